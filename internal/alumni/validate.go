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
		if f != fExitReason {
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
	if key := normKey(v[fGender]); key != "" {
		if g, ok := genders[key]; ok {
			rec.Gender = g
		} else {
			rc.add(fGender, KindUnknownGender, v[fGender], "gender not recognised, stored as unknown")
		}
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
	if key := normKey(v[fLocale]); key != "" {
		if l, ok := locales[key]; ok {
			rec.Locale = l
		} else {
			rc.add(fLocale, KindBadLocale, v[fLocale], "language must be ja (日本語) or en (English)")
		}
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
			rc.add(f, KindMissing, "", fieldSpecs[f].name+" is required")
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
	key := normKey(s)
	if key == "" {
		return false
	}
	b, ok := booleans[key]
	if !ok {
		rc.add(f, KindBadBool, s, "expected はい/いいえ, ○/×, yes/no, true/false or 1/0")
	}
	return b
}

// validEmail accepts a bare addr-spec with a dotted domain: "Taro <t@example.jp>" and "t@localhost" are not
// personal addresses we can mail.
func validEmail(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
