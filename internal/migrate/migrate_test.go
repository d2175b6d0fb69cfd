package migrate_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/migrations"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []string
		lines []int
	}{
		{"two", "SELECT 1;\nSELECT 2;", []string{"SELECT 1", "SELECT 2"}, []int{1, 2}},
		{"comment with semicolon", "-- a; b\nSELECT 1;", []string{"SELECT 1"}, []int{2}},
		{"quoted semicolon", "SELECT 'a;b';\n\nSELECT \"x;\"", []string{"SELECT 'a;b'", "SELECT \"x;\""}, []int{1, 3}},
		{"block comment", "/* one;\ntwo */ SELECT 3;", []string{"SELECT 3"}, []int{2}},
		{"escaped quote", `SELECT 'it\'s;';`, []string{`SELECT 'it\'s;'`}, []int{1}},
		{"empty", " ;\n-- only\n;", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := migrate.Split(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d statements %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].SQL != tt.want[i] || got[i].Line != tt.lines[i] {
					t.Errorf("statement %d = %q line %d, want %q line %d", i, got[i].SQL, got[i].Line, tt.want[i], tt.lines[i])
				}
			}
		})
	}
	if _, err := migrate.Split("SELECT 'open"); err == nil {
		t.Error("unterminated quote: want an error")
	}
}

func TestLoadRejectsBadNames(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"bad name":     {"0000_bootstrap.sql": {Data: []byte("SELECT 1")}, "1_x.sql": {Data: []byte("SELECT 1")}},
		"duplicate":    {"0000_bootstrap.sql": {Data: []byte("SELECT 1")}, "0001_a.sql": {}, "0001_b.sql": {}},
		"no bootstrap": {"0001_a.sql": {Data: []byte("SELECT 1")}},
		"unterminated": {"0000_bootstrap.sql": {Data: []byte("SELECT 'x")}},
	}
	for name, fsys := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := migrate.Load(fsys); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestUpTwiceAndConcurrently(t *testing.T) {
	_, cfg := dbtest.New(t) // applies every migration once
	ctx := context.Background()
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh database raced by three runners: each migration is recorded exactly once.
	cfg.Database += "_race"
	if err := db.CreateDatabase(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	conns := make([]db.Conn, 3)
	for i := range conns {
		if conns[i], err = db.Open(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	defer conns[0].Exec(ctx, "DROP DATABASE IF EXISTS `"+cfg.Database+"`")
	var wg sync.WaitGroup
	applied := make([]int, len(conns))
	errs := make([]error, len(conns))
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = migrate.New(c, files, quiet()).Up(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range conns {
		if errs[i] != nil {
			t.Fatalf("runner %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if want := len(files) - 1; total != want {
		t.Errorf("runners applied %v migrations in all, want %d (each once)", applied, want)
	}
	var n uint64
	if err := conns[0].QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if int(n) != len(files)-1 {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(files)-1)
	}
	// And again: nothing to do.
	again, err := migrate.New(conns[1], files, quiet()).Up(ctx)
	if err != nil || again != 0 {
		t.Errorf("second Up applied %d, err %v; want 0, nil", again, err)
	}
}

func TestUpRefusesAChangedAppliedMigration(t *testing.T) {
	conn, _ := dbtest.New(t) // applies every migration once
	ctx := context.Background()
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	changed := append([]migrate.File(nil), files...)
	last := &changed[len(changed)-1]
	last.Checksum = "0000000000000000"
	_, err = migrate.New(conn, changed, quiet()).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), last.Name) || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("Up with a changed applied migration: err %v, want one naming %s and its checksum", err, last.Name)
	}
	if n, err := migrate.New(conn, files, quiet()).Up(ctx); err != nil || n != 0 {
		t.Errorf("Up with the original files: applied %d, err %v; want 0, nil", n, err)
	}
}
