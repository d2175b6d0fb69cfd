package alumni

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on values; rows outside them are rejected.
const (
	maxCodeLen  = 64
	maxEmailLen = 254 // RFC 5321 path limit
)

// minDate is the earliest plausible hire or exit date: anything earlier is a typo (or an Excel zero date).
var minDate = Date{1940, 1, 1}

// checker turns the raw values of one row into a Record and the problems found. It holds the codes seen so
// far (memory proportional to distinct codes, not to input size) to catch duplicates.
type checker struct {
	today         Date
	defaultLocale string
	seen          map[string]int // employee code → line (CSV) or index (JSON) of its first row
}

func newChecker(opts ReaderOptions) *checker {
	return &checker{today: DateOf(opts.Now()), defaultLocale: opts.DefaultLocale, seen: make(map[string]int)}
}

// rowCheck accumulates the problems of one row.
type rowCheck struct {
	line, index int
	cols        *[numFields]string // column names as in the input
	problems    []RowError
}

func (rc *rowCheck) add(f fieldID, kind Kind, value, reason string) {
	e := RowError{Line: rc.line, Index: rc.index, Column: rc.cols[f], Field: fieldSpecs[f].name, Kind: kind,
		Reason: reason, Warning: kind == KindUnknownReason || kind == KindUnknownGender}
	if !fieldSpecs[f].pii {
		e.Value = value
	}
	rc.problems = append(rc.problems, e)
}

// where names a row in messages that point to another row.
func (rc *rowCheck) where(pos int) string {
	if rc.line > 0 {
		return "line " + strconv.Itoa(pos)
	}
	return "record " + strconv.Itoa(pos)
}

// check validates one row. vals holds the raw cells by field ("" when the column is absent).
func (c *checker) check(vals *[numFields]string, rc *rowCheck) Record {
	var v [numFields]string
	for f := range numFields {
		s := strings.TrimSpace(vals[f])
		if strings.ContainsRune(s, utf8.RuneError) {
			rc.add(f, KindEncoding, s, "bytes not valid in the file's encoding (wrong encoding chosen, or mixed encodings?)")
			s = ""
		}
		if f != fExitReason && !isASCII(s) {
			s = strings.TrimSpace(norm.NFKC.String(s)) // full-width digits and letters, half-width kana
		}
		v[f] = s
	}
	rec := Record{
		EmployeeCode:   v[fEmployeeCode],
		Name:           v[fName],
		Email:          v[fEmail],
		Department:     v[fDepartment],
		JobFamily:      v[fJobFamily],
		Grade:          v[fGrade],
		ExitReasonText: v[fExitReason],
	}
	c.checkCode(rec.EmployeeCode, rc)
	if rec.Email != "" && !validEmail(rec.Email) {
		rc.add(fEmail, KindBadEmail, "", "not a valid e-mail address")
	}
	rec.Gender = GenderUnknown
	if g, ok, blank := lookup(genders, v[fGender]); ok {
		rec.Gender = g
	} else if !blank {
		rc.add(fGender, KindUnknownGender, v[fGender], "gender not recognised, stored as unknown")
	}
	rec.HireDate = c.checkDate(fHireDate, v[fHireDate], rc)
	rec.ExitDate = c.checkDate(fExitDate, v[fExitDate], rc)
	if !rec.HireDate.IsZero() && !rec.ExitDate.IsZero() && rec.ExitDate.Before(rec.HireDate) {
		rc.add(fExitDate, KindExitBeforeHire, v[fExitDate], "exit date is before the hire date "+rec.HireDate.String())
	}
	if v[fExitType] != "" {
		if t, ok := exitTypeOf(v[fExitType]); ok {
			rec.ExitType = t
		} else {
			rc.add(fExitType, KindBadExitType, v[fExitType],
				"exit type not recognised: use 自己都合, 会社都合, 定年, 契約満了 (or voluntary, involuntary, retirement, contract_end)")
		}
	}
	if v[fExitReason] != "" {
		if r, ok := reasonOf(v[fExitReason]); ok {
			rec.ExitReason = r
		} else {
			rc.add(fExitReason, KindUnknownReason, v[fExitReason], "exit reason not recognised, kept as text without a code")
		}
	}
	rec.Regrettable = checkBool(fRegrettable, v[fRegrettable], rc)
	rec.RehireEligible = checkBool(fRehireEligible, v[fRehireEligible], rc)
	rec.Consent = checkBool(fConsent, v[fConsent], rc)
	rec.Locale = c.defaultLocale
	if l, ok, blank := lookup(locales, v[fLocale]); ok {
		rec.Locale = l
	} else if !blank {
		rc.add(fLocale, KindBadLocale, v[fLocale], "language must be ja (日本語) or en (English)")
	}
	return rec
}

func (c *checker) checkCode(code string, rc *rowCheck) {
	switch {
	case code == "":
		rc.add(fEmployeeCode, KindMissing, "", "employee code is required")
		return
	case len(code) > maxCodeLen:
		rc.add(fEmployeeCode, KindBadValue, code[:maxCodeLen]+"…", "employee code longer than "+strconv.Itoa(maxCodeLen)+" bytes")
		return
	case strings.IndexFunc(code, unicode.IsControl) >= 0:
		rc.add(fEmployeeCode, KindBadValue, code, "employee code contains control characters")
		return
	}
	pos := rc.line
	if pos == 0 {
		pos = rc.index
	}
	if first, dup := c.seen[code]; dup {
		rc.add(fEmployeeCode, KindDuplicate, code, "employee code already used on "+rc.where(first))
		return
	}
	c.seen[strings.Clone(code)] = pos // clone: code points into the row's string, which must not stay alive
}

func (c *checker) checkDate(f fieldID, s string, rc *rowCheck) Date {
	if s == "" {
		if fieldSpecs[f].required {
			rc.add(f, KindMissing, "", strings.ReplaceAll(fieldSpecs[f].name, "_", " ")+" is required")
		}
		return Date{}
	}
	d, err := ParseDate(s)
	if err != nil {
		rc.add(f, KindBadDate, s, "invalid date: "+err.Error())
		return Date{}
	}
	if d.Before(minDate) {
		rc.add(f, KindDateRange, s, "date before "+minDate.String())
		return Date{}
	}
	if f == fExitDate && c.today.AddDays(366).Before(d) {
		rc.add(f, KindDateRange, s, "exit date more than a year after today ("+c.today.String()+")")
		return Date{}
	}
	return d
}

func checkBool(f fieldID, s string, rc *rowCheck) bool {
	b, ok, blank := lookup(booleans, s)
	if !ok && !blank {
		rc.add(f, KindBadBool, s, "expected はい/いいえ, ○/×, yes/no, true/false or 1/0")
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validEmail accepts a bare addr-spec with a dotted domain: "Taro <t@example.jp>" and "t@localhost" are not
// personal addresses we can mail.
func validEmail(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return false
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	if plainEmail(s[:at], domain) {
		return true // the common case, without net/mail's allocations
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// plainEmail reports whether local@domain is made of dot-separated atoms of letters, digits and the usual
// symbols, and LDH domain labels: valid without further parsing. Anything else goes to net/mail.
func plainEmail(local, domain string) bool {
	for part := range strings.SplitSeq(local, ".") {
		if part == "" || strings.IndexFunc(part, func(r rune) bool {
			return !(r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.IndexByte("!#$%&'*+/=?^_`{|}~-", byte(r)) >= 0))
		}) >= 0 {
			return false
		}
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || strings.IndexFunc(label, func(r rune) bool {
			return !(r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '-'))
		}) >= 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'z') }
