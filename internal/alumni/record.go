// Package alumni holds the alumni registry: the record of each leaver as the HR system exported it, and the
// streaming readers that parse HR exports (CSV in UTF-8 or Shift_JIS, and JSON) into validated records.
package alumni

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Record is one alumnus as imported from the HR system. Name and Email are PII: they go to the contacts
// table, never into logs or error messages.
type Record struct {
	EmployeeCode   string
	Name           string // PII
	Email          string // PII: personal address (the work address dies at exit); "" when not given
	Department     string
	JobFamily      string
	Grade          string
	Gender         Gender
	HireDate       Date // zero when not given
	ExitDate       Date
	ExitType       ExitType // "" when not given
	ExitReason     Reason   // taxonomy code of the reason stated at exit; "" when not given or not recognised
	ExitReasonText string   // the reason exactly as written in the file
	Regrettable    bool
	RehireEligible bool
	Locale         string // LocaleJA or LocaleEN
	Consent        bool   // consented to alumni contact; an empty cell means no
}

// Locales a record may have.
const (
	LocaleJA = "ja"
	LocaleEN = "en"
)

// Gender is a normalised gender value.
type Gender string

// Gender values.
const (
	GenderUnknown Gender = "unknown"
	GenderMale    Gender = "male"
	GenderFemale  Gender = "female"
	GenderOther   Gender = "other"
)

// ExitType says who ended the employment and how.
type ExitType string

// Exit types.
const (
	ExitVoluntary   ExitType = "voluntary"
	ExitInvoluntary ExitType = "involuntary"
	ExitRetirement  ExitType = "retirement"
	ExitContractEnd ExitType = "contract_end"
)

// Reason is a code of the shared reason and theme taxonomy (DESIGN.md), used by exit reasons, survey
// choices and text themes alike.
type Reason string

// Taxonomy codes.
const (
	ReasonCompensation  Reason = "compensation"
	ReasonEvaluation    Reason = "evaluation"
	ReasonGrowth        Reason = "growth"
	ReasonManager       Reason = "manager"
	ReasonRelationships Reason = "relationships"
	ReasonWorkload      Reason = "workload"
	ReasonFlexibility   Reason = "flexibility"
	ReasonCulture       Reason = "culture"
	ReasonStrategy      Reason = "strategy"
	ReasonJobContent    Reason = "job_content"
	ReasonBenefits      Reason = "benefits"
	ReasonOnboarding    Reason = "onboarding"
	ReasonPersonal      Reason = "personal"
	ReasonAlumni        Reason = "alumni"
)

// Canonical field names, used as RowError.Field and as the JSON keys of the import endpoint.
const (
	FieldEmployeeCode   = "employee_code"
	FieldName           = "name"
	FieldEmail          = "email"
	FieldDepartment     = "department"
	FieldJobFamily      = "job_family"
	FieldGrade          = "grade"
	FieldGender         = "gender"
	FieldHireDate       = "hire_date"
	FieldExitDate       = "exit_date"
	FieldExitType       = "exit_type"
	FieldExitReason     = "exit_reason"
	FieldRegrettable    = "regrettable"
	FieldRehireEligible = "rehire_eligible"
	FieldLocale         = "locale"
	FieldConsent        = "consent"
)

// Kind classifies a RowError so callers (and the UI's translations) can react without parsing messages.
type Kind string

// Kinds of row problems. Those marked warning leave the record usable.
const (
	KindParse          Kind = "parse"            // malformed CSV quoting or JSON element
	KindFieldCount     Kind = "field_count"      // row has more or fewer fields than the header
	KindRowTooLong     Kind = "row_too_long"     // row larger than ReaderOptions.MaxRowBytes; skipped unread
	KindEncoding       Kind = "encoding"         // bytes that are not valid in the file's encoding
	KindMissing        Kind = "missing"          // required value empty
	KindDuplicate      Kind = "duplicate"        // employee code already seen earlier in the same input
	KindBadValue       Kind = "bad_value"        // value of the wrong shape (too long, control characters)
	KindBadDate        Kind = "bad_date"         // unparseable or impossible date
	KindDateRange      Kind = "date_range"       // date before 1940 or exit more than a year ahead
	KindExitBeforeHire Kind = "exit_before_hire" // exit date earlier than hire date
	KindBadEmail       Kind = "bad_email"        // not a plain addr-spec
	KindBadExitType    Kind = "bad_exit_type"    // exit type not recognised
	KindBadBool        Kind = "bad_bool"         // yes/no value not recognised
	KindBadLocale      Kind = "bad_locale"       // language other than ja / en
	KindUnknownReason  Kind = "unknown_reason"   // warning: reason text kept raw with code ""
	KindUnknownGender  Kind = "unknown_gender"   // warning: gender stored as unknown
	KindUnknownColumn  Kind = "unknown_column"   // warning: column ignored
)

// RowError is one problem with one row (or, with Line 1 and KindUnknownColumn, with the header).
// Value is never set for PII fields (name, email), so errors can be logged and shown safely.
type RowError struct {
	Line    int    // CSV: physical line in the file where the row starts, header = 1; 0 for JSON input
	Index   int    // JSON: 0-based array index of the element; meaningful only when Line is 0
	Column  string // the column header (CSV) or key (JSON) as written in the input; "" for row-level problems
	Field   string // canonical field name (FieldExitDate…); "" for row-level problems
	Value   string // offending value as written; "" for PII fields
	Kind    Kind
	Reason  string // English explanation
	Warning bool   // true when the record is still usable
}

// Error formats e as `line 3, column "退職日" (exit_date): invalid date: month 13 out of range: "2025/13/01"`,
// or `record 3, field "exit_date": …` for JSON input.
func (e RowError) Error() string {
	var b strings.Builder
	what := "column"
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line))
	} else {
		b.WriteString("record " + strconv.Itoa(e.Index))
		what = "field"
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", %s %q", what, e.Column)
		if e.Field != "" && e.Field != e.Column {
			b.WriteString(" (" + e.Field + ")")
		}
	}
	b.WriteString(": ")
	if e.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Reason)
	if e.Value != "" {
		fmt.Fprintf(&b, ": %q", e.Value)
	}
	return b.String()
}

// HasErrors reports whether problems contains anything other than warnings, i.e. the record must not be
// stored.
func HasErrors(problems []RowError) bool {
	for _, p := range problems {
		if !p.Warning {
			return true
		}
	}
	return false
}

// HeaderError is a file-level problem with the CSV header: the file cannot be imported at all.
type HeaderError struct {
	Missing   []string // canonical names of required fields with no column
	Duplicate []string // "col1 / col2 → field" for fields named by more than one column
	Reason    string   // other problem (empty file, header too long)
}

// Error lists every header problem in one message.
func (e *HeaderError) Error() string {
	var parts []string
	if e.Reason != "" {
		parts = append(parts, e.Reason)
	}
	if len(e.Missing) > 0 {
		names := make([]string, len(e.Missing))
		for i, f := range e.Missing {
			names[i] = f + " (" + fieldByName[f].ja + ")"
		}
		parts = append(parts, "missing required columns: "+strings.Join(names, ", "))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, "several columns for one field: "+strings.Join(e.Duplicate, "; "))
	}
	return "header (line 1): " + strings.Join(parts, "; ")
}

// Source is a stream of imported rows: the CSV Reader and the JSONReader both are one, so the import service
// needs one loop for both.
type Source interface {
	// Next returns the next row, or io.EOF; see (*Reader).Next.
	Next() (Record, []RowError, error)
	// BytesRead reports the input consumed so far, for progress.
	BytesRead() int64
}

var (
	_ Source = (*Reader)(nil)
	_ Source = (*JSONReader)(nil)
)

// ReaderOptions configures the CSV and JSON readers; the zero value is ready to use.
type ReaderOptions struct {
	Encoding      Encoding         // EncodingAuto (default), EncodingUTF8 or EncodingShiftJIS
	Comma         rune             // field separator; ',' by default, '\t' for TSV
	DefaultLocale string           // locale for rows with an empty locale cell; LocaleJA by default
	MaxRowBytes   int              // rows larger than this are skipped with KindRowTooLong; 64 KiB by default
	Now           func() time.Time // clock for the "exit date too far ahead" check; time.Now by default
}

func (o ReaderOptions) withDefaults() (ReaderOptions, error) {
	if o.Comma == 0 {
		o.Comma = ','
	}
	if o.Comma >= 0x80 || o.Comma == '"' || o.Comma == '\r' || o.Comma == '\n' {
		return o, fmt.Errorf("field separator %q: must be an ASCII character other than quote or newline", o.Comma)
	}
	switch o.DefaultLocale {
	case "":
		o.DefaultLocale = LocaleJA
	case LocaleJA, LocaleEN:
	default:
		return o, fmt.Errorf("default locale %q: must be %q or %q", o.DefaultLocale, LocaleJA, LocaleEN)
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = 64 << 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := ParseEncoding(string(o.Encoding)); err != nil {
		return o, err
	}
	return o, nil
}
