package wavetest

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Secret is the master secret of seeded databases (and of the binary in tests that run it).
const Secret = "wavetest-secret-wavetest-secret-wavetest"

// Person is one alumnus to seed.
type Person struct {
	Code    string
	Email   string // "" for none
	Locale  string // "ja" when empty
	Exit    alumni.Date
	Consent bool
}

// Stores are the stores of a seeded database.
type Stores struct {
	Tenants *tenant.Store
	Alumni  *alumni.Store
	Invites *invite.Store
}

// NewStores returns the stores on conn, keyed with Secret.
func NewStores(conn db.Conn) Stores {
	st := Stores{Tenants: tenant.NewStore(conn)}
	st.Alumni = alumni.NewStore(conn, []byte(Secret), audit.New(conn))
	st.Invites = invite.NewStore(conn, st.Tenants, st.Alumni, []byte(Secret))
	return st
}

// Seed creates the tenant (Asia/Tokyo, Japanese) with the given wave settings JSON (nil for defaults)
// and imports the people.
func Seed(t testing.TB, st Stores, tenantID string, waves any, people []Person) {
	t.Helper()
	ctx := context.Background()
	tn := tenant.Tenant{ID: tenantID, Name: "株式会社" + tenantID, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}
	if waves != nil {
		raw, err := json.Marshal(waves)
		if err != nil {
			t.Fatal(err)
		}
		tn.Settings.Waves = raw
	}
	if err := st.Tenants.Put(ctx, tn); err != nil {
		t.Fatal(err)
	}
	recs := make([]alumni.Record, len(people))
	for i, p := range people {
		loc := p.Locale
		if loc == "" {
			loc = alumni.LocaleJA
		}
		recs[i] = alumni.Record{EmployeeCode: p.Code, Name: "山田 " + p.Code, Email: p.Email, Department: "営業",
			ExitDate: p.Exit, ExitType: alumni.ExitVoluntary, Locale: loc, Consent: p.Consent}
	}
	if _, err := st.Alumni.Import(ctx, tenantID, func() (alumni.Source, error) { return &source{recs: recs}, nil },
		alumni.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

type source struct {
	recs []alumni.Record
	i    int
}

func (s *source) Next() (alumni.Record, []alumni.RowError, error) {
	if s.i >= len(s.recs) {
		return alumni.Record{}, nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], nil, nil
}

func (s *source) BytesRead() int64 { return int64(s.i) }
