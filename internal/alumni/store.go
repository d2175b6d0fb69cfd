package alumni

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
)

// ErrNotFound is returned when no alumnus has the given employee code.
var ErrNotFound = errors.New("alumnus not found")

// ErrErased is returned when the alumnus was erased: nothing more may be done with them.
var ErrErased = errors.New("alumnus was erased")

// ErrNotSurveyable is returned when an alumnus may not be sent a survey.
var ErrNotSurveyable = errors.New("alumnus may not be surveyed")

// Store keeps the alumni registry in ClickHouse: HR attributes in `alumni`, PII in `alumni_contacts`, and
// later happenings (opt-out, erasure, bounce) in `alumni_events`.
type Store struct {
	conn  db.Conn
	idKey []byte
	audit *audit.Log
	now   func() time.Time
}

// NewStore returns a Store. secret keys the pseudonymous alumnus ids; it must stay the same for the life
// of the data, or re-imports stop finding the people already stored.
func NewStore(conn db.Conn, secret []byte, auditLog *audit.Log) *Store {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("alumnipulse/alumnus-id/v1"))
	return &Store{conn: conn, idKey: mac.Sum(nil), audit: auditLog, now: time.Now}
}

// AlumnusID is the stable pseudonymous id of an employee code within a tenant: a keyed hash, so the id
// survives erasure of the code and recognises the person if HR imports them again.
func (s *Store) AlumnusID(tenantID, employeeCode string) uuid.UUID {
	mac := hmac.New(sha256.New, s.idKey)
	mac.Write([]byte(tenantID))
	mac.Write([]byte{0})
	mac.Write([]byte(employeeCode))
	var id uuid.UUID
	copy(id[:], mac.Sum(nil))
	id[6] = (id[6] & 0x0f) | 0x80 // version 8: custom
	id[8] = (id[8] & 0x3f) | 0x80 // RFC 4122 variant
	return id
}

// Alumnus is a stored alumnus with their current state.
type Alumnus struct {
	ID uuid.UUID
	Record
	OptedOut   bool
	Erased     bool
	Bounced    bool
	ImportedAt time.Time
}

// ImportOptions tune an import.
type ImportOptions struct {
	// DryRun validates and compares with the stored registry but writes nothing.
	DryRun bool
	// Strict imports nothing when any row has a problem.
	Strict bool
	// Progress, when set, is called after every batch with the bytes read so far.
	Progress func(bytesRead int64)
	// BatchSize is how many records are compared and written at once (default 5000).
	BatchSize int
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows          int        `json:"rows"`
	Valid         int        `json:"valid"`
	Inserted      int        `json:"inserted"`
	Updated       int        `json:"updated"`
	Unchanged     int        `json:"unchanged"`
	SkippedErased int        `json:"skipped_erased"`
	Problems      []RowError `json:"problems"`
	DryRun        bool       `json:"dry_run"`
	Strict        bool       `json:"strict"`
	// Written is false when nothing was stored (dry run, or strict with problems).
	Written bool `json:"written"`
}

// OK reports whether every row was valid (warnings allowed).
func (r ImportReport) OK() bool { return !HasErrors(r.Problems) }

// Import reads every record from the source opened by open and upserts the valid ones by employee code.
// A record identical to the stored one writes nothing, so importing the same file twice changes nothing.
// Erased people are never imported again. With Strict, open is called twice: a first pass validates
// everything, and only a clean file is imported in a second pass.
func (s *Store) Import(ctx context.Context, tenantID string, open func() (Source, error), opts ImportOptions) (ImportReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.Strict && !opts.DryRun {
		check := opts
		check.DryRun = true
		rep, err := s.Import(ctx, tenantID, open, check)
		if err != nil || HasErrors(rep.Problems) {
			// Nothing was imported: say so, rather than what the first pass would have done.
			rep.DryRun, rep.Strict = false, true
			rep.Inserted, rep.Updated, rep.Unchanged, rep.SkippedErased = 0, 0, 0, 0
			return rep, err
		}
		opts.Progress = nil // the second pass re-reads what the first already showed
	}
	src, err := open()
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{DryRun: opts.DryRun, Strict: opts.Strict}
	batch := make([]Record, 0, opts.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.upsert(ctx, tenantID, batch, opts.DryRun, &rep); err != nil {
			return err
		}
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(src.BytesRead())
		}
		return nil
	}
	for {
		rec, problems, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		rep.Rows++
		if HasErrors(problems) {
			rep.Problems = append(rep.Problems, problems...)
			continue
		}
		rep.Problems = append(rep.Problems, problems...) // warnings only
		rep.Valid++
		batch = append(batch, rec)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	rep.Written = !opts.DryRun && rep.Inserted+rep.Updated > 0
	return rep, nil
}

type stored struct {
	hash   uint64
	erased bool
}

// upsert compares a batch with the stored registry and writes what changed.
func (s *Store) upsert(ctx context.Context, tenantID string, recs []Record, dryRun bool, rep *ImportReport) error {
	ids := make([]any, len(recs))
	for i, r := range recs {
		ids[i] = s.AlumnusID(tenantID, r.EmployeeCode).String()
	}
	existing, err := s.existing(ctx, tenantID, ids)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	version := uint64(now.UnixNano())
	var alumniRows, contactRows [][]any
	for i, r := range recs {
		id := s.AlumnusID(tenantID, r.EmployeeCode)
		h := recordHash(r)
		old, found := existing[ids[i].(string)]
		switch {
		case found && old.erased:
			rep.SkippedErased++
			continue
		case found && old.hash == h:
			rep.Unchanged++
			continue
		case found:
			rep.Updated++
		default:
			rep.Inserted++
		}
		alumniRows = append(alumniRows, []any{
			tenantID, id, r.EmployeeCode, r.Department, r.JobFamily, r.Grade, genderEnum(r.Gender),
			r.HireDate.Time(), r.ExitDate.Time(), exitTypeEnum(r.ExitType), string(r.ExitReason), r.ExitReasonText,
			b2u(r.Regrettable), b2u(r.RehireEligible), r.Locale, b2u(r.Consent), b2u(r.Email != ""),
			h, now, now, version,
		})
		contactRows = append(contactRows, []any{tenantID, id, r.Name, r.Email, now, version})
	}
	if dryRun || len(alumniRows) == 0 {
		return nil
	}
	// Contacts first: a registry row never points at contacts that are not there yet.
	if err := db.Insert(ctx, s.conn,
		"INSERT INTO alumni_contacts (tenant_id, alumnus_id, name, email, updated_at, version)", contactRows...); err != nil {
		return fmt.Errorf("store alumni contacts: %w", err)
	}
	if err := db.Insert(ctx, s.conn, `INSERT INTO alumni (tenant_id, alumnus_id, employee_code, department, job_family,
		grade, gender, hire_date, exit_date, exit_type, exit_reason, exit_reason_text, regrettable, rehire_eligible,
		locale, consent, has_email, source_hash, imported_at, updated_at, version)`, alumniRows...); err != nil {
		return fmt.Errorf("store alumni: %w", err)
	}
	return nil
}

func (s *Store) existing(ctx context.Context, tenantID string, ids []any) (map[string]stored, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT toString(a.alumnus_id) AS id, argMax(a.source_hash, a.version),
		       toUInt8(id IN (SELECT toString(alumnus_id) FROM alumni_events WHERE tenant_id = ? AND event = 'erased'))
		FROM alumni AS a
		WHERE a.tenant_id = ? AND toString(a.alumnus_id) IN ?
		GROUP BY a.alumnus_id`, tenantID, tenantID, clickhouse.GroupSet{Value: ids})
	if err != nil {
		return nil, fmt.Errorf("read stored alumni: %w", err)
	}
	defer rows.Close()
	out := make(map[string]stored, len(ids))
	for rows.Next() {
		var id string
		var st stored
		var erased uint8
		if err := rows.Scan(&id, &st.hash, &erased); err != nil {
			return nil, fmt.Errorf("read stored alumni: %w", err)
		}
		st.erased = erased == 1
		out[id] = st
	}
	return out, rows.Err()
}

// recordHash fingerprints everything an import writes, PII included, so a changed name or address is an
// update too.
func recordHash(r Record) uint64 {
	h := fnv.New64a()
	for _, s := range []string{
		r.EmployeeCode, r.Name, r.Email, r.Department, r.JobFamily, r.Grade, string(r.Gender),
		r.HireDate.String(), r.ExitDate.String(), string(r.ExitType), string(r.ExitReason), r.ExitReasonText,
		fmt.Sprint(r.Regrettable, r.RehireEligible, r.Consent), r.Locale,
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func genderEnum(g Gender) string {
	switch g {
	case GenderMale, GenderFemale, GenderOther:
		return string(g)
	}
	return string(GenderUnknown)
}

func exitTypeEnum(t ExitType) string {
	if t == "" {
		return "unknown"
	}
	return string(t)
}

// Get returns the alumnus with an employee code, with their contact details.
func (s *Store) Get(ctx context.Context, tenantID, employeeCode string) (Alumnus, error) {
	return s.get(ctx, tenantID, s.AlumnusID(tenantID, employeeCode))
}

// GetByID returns the alumnus with an id, with their contact details.
func (s *Store) GetByID(ctx context.Context, tenantID string, id uuid.UUID) (Alumnus, error) {
	return s.get(ctx, tenantID, id)
}

func (s *Store) get(ctx context.Context, tenantID string, id uuid.UUID) (Alumnus, error) {
	var a Alumnus
	var gender, exitType, reason string
	var hire, exit time.Time
	var regrettable, rehire, consent uint8
	err := s.conn.QueryRow(ctx, `
		SELECT employee_code, department, job_family, grade, toString(gender), hire_date, exit_date,
		       toString(exit_type), exit_reason, exit_reason_text, regrettable, rehire_eligible, locale, consent,
		       imported_at
		FROM alumni FINAL
		WHERE tenant_id = ? AND alumnus_id = ?`, tenantID, id).Scan(
		&a.EmployeeCode, &a.Department, &a.JobFamily, &a.Grade, &gender, &hire, &exit, &exitType, &reason,
		&a.ExitReasonText, &regrettable, &rehire, &a.Locale, &consent, &a.ImportedAt)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Alumnus{}, ErrNotFound
		}
		return Alumnus{}, fmt.Errorf("read alumnus: %w", err)
	}
	a.ID = id
	a.Gender, a.ExitReason = Gender(gender), Reason(reason)
	if exitType != "unknown" {
		a.ExitType = ExitType(exitType)
	}
	a.HireDate, a.ExitDate = dateOrZero(hire), dateOrZero(exit)
	a.Regrettable, a.RehireEligible, a.Consent = regrettable == 1, rehire == 1, consent == 1
	if err := s.conn.QueryRow(ctx, `
		SELECT argMax(name, version), argMax(email, version) FROM alumni_contacts
		WHERE tenant_id = ? AND alumnus_id = ?`, tenantID, id).Scan(&a.Name, &a.Email); err != nil {
		return Alumnus{}, fmt.Errorf("read alumnus contact: %w", err)
	}
	st, err := s.states(ctx, tenantID, id)
	if err != nil {
		return Alumnus{}, err
	}
	a.OptedOut, a.Erased, a.Bounced = st["opted_out"], st["erased"], st["bounced"]
	return a, nil
}

func (s *Store) states(ctx context.Context, tenantID string, id uuid.UUID) (map[string]bool, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT DISTINCT toString(event) FROM alumni_events WHERE tenant_id = ? AND alumnus_id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("read alumnus events: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("read alumnus events: %w", err)
		}
		out[e] = true
	}
	return out, rows.Err()
}

func dateOrZero(t time.Time) Date {
	if t.Year() <= 1970 {
		return Date{}
	}
	return DateOf(t)
}

// RecordEvent appends a happening (opted_out, bounced, rehired, referral) to an alumnus's history.
func (s *Store) RecordEvent(ctx context.Context, tenantID string, id uuid.UUID, event, detail string) error {
	if err := db.Insert(ctx, s.conn, "INSERT INTO alumni_events (tenant_id, alumnus_id, event, at, detail)",
		[]any{tenantID, id, event, s.now().UTC(), detail}); err != nil {
		return fmt.Errorf("record %s: %w", event, err)
	}
	return nil
}

// EraseByCode erases the alumnus with an employee code and records who did it in the audit log.
func (s *Store) EraseByCode(ctx context.Context, tenantID, employeeCode, actor string) error {
	id := s.AlumnusID(tenantID, employeeCode)
	st, err := s.states(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if !st["erased"] {
		if _, err := s.get(ctx, tenantID, id); err != nil {
			return err
		}
	}
	// Audit first: an erasure that cannot be recorded does not happen.
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "alumni.erase", Target: id.String()}); err != nil {
		return err
	}
	return s.Erase(ctx, tenantID, id)
}

// Erase forgets a person: their contact details are deleted, their HR attributes reduced to what the
// anonymous answers already carry, and an 'erased' event makes sure no survey is ever sent to them and a
// later import does not bring them back. Their answers stay, linked only to the pseudonymous id.
func (s *Store) Erase(ctx context.Context, tenantID string, id uuid.UUID) error {
	now := s.now().UTC()
	version := uint64(now.UnixNano())
	// The event first: from this moment on no invitation can be created, whatever else fails.
	if err := s.RecordEvent(ctx, tenantID, id, "erased", ""); err != nil {
		return err
	}
	if err := db.Insert(ctx, s.conn, "INSERT INTO alumni_contacts (tenant_id, alumnus_id, name, email, updated_at, version)",
		[]any{tenantID, id, "", "", now, version}); err != nil {
		return fmt.Errorf("erase contact: %w", err)
	}
	// Blank the employee code in a new version of the registry row (segment columns stay: they are what
	// the anonymous answers already show).
	if err := s.conn.Exec(ctx, `
		INSERT INTO alumni (tenant_id, alumnus_id, employee_code, department, job_family, grade, gender, hire_date,
		    exit_date, exit_type, exit_reason, exit_reason_text, regrettable, rehire_eligible, locale, consent,
		    has_email, source_hash, imported_at, updated_at, version)
		SELECT tenant_id, alumnus_id, '', department, job_family, grade, gender, hire_date, exit_date, exit_type,
		    exit_reason, '', regrettable, rehire_eligible, locale, 0, 0, 0, imported_at, ?, ?
		FROM alumni FINAL WHERE tenant_id = ? AND alumnus_id = ?`, now, version, tenantID, id); err != nil {
		return fmt.Errorf("erase registry attributes: %w", err)
	}
	// Physically remove the older versions that still hold PII (an asynchronous mutation on ClickHouse).
	for _, q := range []string{
		"ALTER TABLE alumni_contacts DELETE WHERE tenant_id = ? AND alumnus_id = ? AND version < ?",
		"ALTER TABLE alumni DELETE WHERE tenant_id = ? AND alumnus_id = ? AND version < ?",
	} {
		if err := s.conn.Exec(ctx, q, tenantID, id, version); err != nil {
			return fmt.Errorf("erase old versions: %w", err)
		}
	}
	return nil
}

// Surveyable returns the alumnus's locale when they may be surveyed, and ErrNotFound, ErrErased or an
// error wrapping ErrNotSurveyable when they may not (opted out, bounced, no consent, no e-mail).
func (s *Store) Surveyable(ctx context.Context, tenantID string, id uuid.UUID) (string, error) {
	st, err := s.states(ctx, tenantID, id)
	if err != nil {
		return "", err
	}
	if st["erased"] {
		return "", ErrErased
	}
	a, err := s.get(ctx, tenantID, id)
	if err != nil {
		return "", err
	}
	switch {
	case a.OptedOut:
		return "", fmt.Errorf("%w: opted out", ErrNotSurveyable)
	case !a.Consent:
		return "", fmt.Errorf("%w: no consent", ErrNotSurveyable)
	case a.Bounced:
		return "", fmt.Errorf("%w: address bounced", ErrNotSurveyable)
	case a.Email == "":
		return "", fmt.Errorf("%w: no e-mail address", ErrNotSurveyable)
	}
	return a.Locale, nil
}
