package answer

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/migrations"
)

// TestByResponseCopiesEarlierAnswers: answers stored before migration 0005 made answers_by_response are
// copied by it, and answers written afterwards reach it through the view; Latest sees both.
func TestByResponseCopiesEarlierAnswers(t *testing.T) {
	_, cfg := dbtest.New(t)
	ctx := context.Background()
	cfg.Database += "_pre0005"
	if err := db.CreateDatabase(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+cfg.Database+"`")

	files, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < len(files) && files[n].Version < 5 {
		n++
	}
	if _, err := migrate.New(conn, files[:n], quiet()).Up(ctx); err != nil {
		t.Fatal(err)
	}
	before, after := uuid.New(), uuid.New()
	// Written straight into answers: the reader of this build would look in a table not made yet.
	rows, err := normalize(form("acme", before, 5, 1), 100, 7, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(ctx, conn, insertAnswers, rows...); err != nil {
		t.Fatal(err)
	}
	if applied, err := migrate.New(conn, files, quiet()).Up(ctx); err != nil || applied != len(files)-n {
		t.Fatalf("migrating on: applied %d, %v; want %d", applied, err, len(files)-n)
	}
	w := New(conn, Options{}, quiet())
	defer closeWriter(t, w)
	if err := w.Write(ctx, form("acme", after, 3, 2)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, form("acme", before, 2, 3)); err != nil { // an edit after the copy
		t.Fatal(err)
	}
	for _, c := range []struct {
		resp uuid.UUID
		n    int
		num  float64 // q00's answer
	}{{before, 2, 3000}, {after, 3, 2000}} {
		got, err := w.Latest(ctx, "acme", c.resp)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.n || got["q00"].Num != c.num {
			t.Errorf("response %s: %d answers, q00 = %v; want %d, %v", c.resp, len(got), got["q00"].Num, c.n, c.num)
		}
	}
	// Before the edit, the copied answers were there: the edit's version is above the copied one.
	var copied uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM answers_by_response WHERE tenant_id = 'acme' AND response_id = ? AND version = 7", before).Scan(&copied); err != nil {
		t.Fatal(err)
	}
	if copied != 5 {
		t.Errorf("copied %d rows of the earlier answers, want 5", copied)
	}
}
