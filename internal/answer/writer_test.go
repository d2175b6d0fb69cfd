package answer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/surveys"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// form builds a whole submission of n questions whose values derive from seed, so a test can tell two
// submissions of the same response apart.
func form(tenant string, response uuid.UUID, n, seed int) Submission {
	alumnus := uuid.NewSHA1(uuid.NameSpaceOID, response[:])
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{
			QuestionID: fmt.Sprintf("q%02d", i), SurveyID: "alumni-3m", SurveyVersion: 2, Wave: "3m",
			AlumnusID: alumnus, Answered: true, Num: float64(seed*1000 + i),
			Choices: []string{"growth", fmt.Sprintf("c%d", seed)}, Text: fmt.Sprintf("回答 %d/%d", seed, i),
			Department: "営業部", JobFamily: "sales", Grade: "G3", Gender: "female", ExitType: "voluntary",
			ExitReason: "growth", TenureBand: "3-5y", ExitQuarter: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
			Regrettable: true, Locale: "ja",
		}
	}
	return Submission{TenantID: tenant, ResponseID: response, Rows: rows}
}

// insertCount is the number of INSERTs the answers table has received, as the server counts them: every
// INSERT into a MergeTree table takes the next block number, and merged parts keep the range they cover,
// so the highest block number of the active parts is the number of INSERTs, whatever has been merged.
func insertCount(t testing.TB, conn db.Conn, database string) uint64 {
	t.Helper()
	var n int64
	row := conn.QueryRow(context.Background(),
		"SELECT max(max_block_number) FROM system.parts WHERE database = ? AND table = 'answers' AND active", database)
	if err := row.Scan(&n); err != nil {
		t.Fatalf("count inserts: %v", err)
	}
	return uint64(n)
}

// gatedConn holds every PrepareBatch until the test lets it through, so a test can keep a batch in flight.
type gatedConn struct {
	db.Conn
	entered chan struct{}
	release chan struct{}
}

func gate(conn db.Conn) *gatedConn {
	return &gatedConn{Conn: conn, entered: make(chan struct{}, 100), release: make(chan struct{}, 100)}
}

func (g *gatedConn) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Conn.PrepareBatch(ctx, query, opts...)
}

// waitFor polls cond; it fails the test after a generous deadline rather than hanging it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func closeWriter(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.Close(context.Background()); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	resp := uuid.New()
	now := time.Date(2026, 5, 1, 9, 30, 15, 500, time.FixedZone("JST", 9*3600))
	good := func() Submission { return form("acme", resp, 3, 1) }
	tests := []struct {
		name   string
		edit   func(*Submission)
		reason string // "" when the submission is valid
	}{
		{"valid", func(*Submission) {}, ""},
		{"no tenant", func(s *Submission) { s.TenantID = "" }, "no tenant"},
		{"no response", func(s *Submission) { s.ResponseID = uuid.Nil }, "no response id"},
		{"no rows", func(s *Submission) { s.Rows = nil }, "no rows"},
		{"too many rows", func(s *Submission) { s.Rows = form("acme", resp, 11, 1).Rows }, "11 rows, more than the 10 one batch may hold"},
		{"other tenant", func(s *Submission) { s.Rows[1].TenantID = "other" }, "row 1 belongs to another tenant"},
		{"other response", func(s *Submission) { s.Rows[2].ResponseID = uuid.New() }, "row 2 belongs to another response"},
		{"no question", func(s *Submission) { s.Rows[0].QuestionID = "" }, "row 0 has no question id"},
		{"question twice", func(s *Submission) { s.Rows[2].QuestionID = "q00" }, `question "q00" appears twice`},
		{"no survey", func(s *Submission) { s.Rows[0].SurveyID = "" }, "row 0 has no survey id"},
		{"two surveys", func(s *Submission) { s.Rows[1].SurveyID = "alumni-6m" }, `row 1 is for survey "alumni-6m", row 0 for "alumni-3m"`},
		{"exit quarter too early", func(s *Submission) { s.Rows[0].ExitQuarter = time.Date(1969, 10, 1, 0, 0, 0, 0, time.UTC) }, "row 0: exit quarter 1969-10-01 out of range"},
		{"submitted too late", func(s *Submission) { s.Rows[0].SubmittedAt = time.Date(2106, 2, 1, 0, 0, 0, 0, time.UTC) }, "row 0: submitted at 2106-02-01T00:00:00Z out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.edit(&s)
			rows, err := normalize(s, 10, 42, now)
			if tt.reason != "" {
				var verr *ValidationError
				if !errors.As(err, &verr) || verr.Reason != tt.reason {
					t.Fatalf("err = %v, want ValidationError %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 3 || len(rows[0]) != len(columns) {
				t.Fatalf("got %d rows of %d values, want 3 of %d", len(rows), len(rows[0]), len(columns))
			}
			for i, r := range rows {
				got := map[string]any{}
				for j, c := range columns {
					got[c] = r[j]
				}
				want := map[string]any{
					"tenant_id": "acme", "response_id": resp, "version": uint64(42), "question_id": fmt.Sprintf("q%02d", i),
					"submitted_at": time.Date(2026, 5, 1, 0, 30, 15, 0, time.UTC), "answered": uint8(1),
				}
				for c, v := range want {
					if !reflect.DeepEqual(got[c], v) {
						t.Errorf("row %d %s = %v, want %v", i, c, got[c], v)
					}
				}
			}
		})
	}
}

func TestNormalizeLeavesCallerRowsAlone(t *testing.T) {
	s := form("acme", uuid.New(), 2, 1)
	if _, err := normalize(s, 10, 7, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := s.Rows[0]; r.TenantID != "" || r.Version != 0 || !r.SubmittedAt.IsZero() {
		t.Fatalf("normalize changed the caller's row: %+v", r)
	}
}

func TestVersionsStrictlyIncrease(t *testing.T) {
	w := &Writer{}
	const goroutines, each = 8, 2000
	got := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				got[g] = append(got[g], w.nextVersion())
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, vs := range got {
		for i, v := range vs {
			if i > 0 && v <= vs[i-1] {
				t.Fatalf("version %d after %d in one goroutine", v, vs[i-1])
			}
			if seen[v] {
				t.Fatalf("version %d handed out twice", v)
			}
			seen[v] = true
		}
	}
}

func TestConcurrentWritersShareInserts(t *testing.T) {
	for _, flushers := range []int{1, 2} {
		t.Run(fmt.Sprintf("flushers=%d", flushers), func(t *testing.T) {
			concurrentWriters(t, Options{MaxDelay: 20 * time.Millisecond, Flushers: flushers})
		})
	}
}

func concurrentWriters(t *testing.T, opts Options) {
	conn, cfg := dbtest.New(t)
	w := New(conn, opts, quiet())
	defer closeWriter(t, w)

	const writers, each, questions = 100, 5, 25
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				errs <- w.Write(context.Background(), form("acme", uuid.New(), questions, g*each+i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("write: %v", err)
		}
	}

	var rows, responses uint64
	if err := conn.QueryRow(context.Background(),
		"SELECT count(), uniqExact(response_id) FROM answers WHERE tenant_id = 'acme'").Scan(&rows, &responses); err != nil {
		t.Fatal(err)
	}
	if rows != writers*each*questions || responses != writers*each {
		t.Fatalf("stored %d rows of %d responses, want %d of %d", rows, responses, writers*each*questions, writers*each)
	}
	inserts := insertCount(t, conn, cfg.Database)
	st := w.Stats()
	t.Logf("%d submissions in %d INSERTs; stats %+v", writers*each, inserts, st)
	if inserts != st.Batches || st.Submissions != writers*each || st.Failed != 0 || st.Pending != 0 {
		t.Fatalf("server counted %d INSERTs, writer stats %+v", inserts, st)
	}
	// Every writer waits for its batch before writing again, so each batch after the first can hold up to
	// all 100 of them; one INSERT per 5 submissions on average is far below that.
	if inserts > writers*each/5 {
		t.Fatalf("%d INSERTs for %d submissions: the writes were not grouped", inserts, writers*each)
	}
}

func TestEditReplacesWhole(t *testing.T) {
	conn, _ := dbtest.New(t)
	w := New(conn, Options{}, quiet())
	defer closeWriter(t, w)
	ctx := context.Background()
	resp := uuid.New()

	got, err := w.Latest(ctx, "acme", resp)
	if err != nil || len(got) != 0 {
		t.Fatalf("before any write: %v, %v; want no answers", got, err)
	}

	first := form("acme", resp, 4, 1)
	if err := w.Write(ctx, first); err != nil {
		t.Fatal(err)
	}
	before, err := w.Latest(ctx, "acme", resp)
	if err != nil {
		t.Fatal(err)
	}
	// The first read returns every column as written, with what the writer stamps.
	for i, r := range first.Rows {
		want := r
		want.TenantID, want.ResponseID = "acme", resp
		got := before[r.QuestionID]
		if got.Version == 0 || got.SubmittedAt.IsZero() {
			t.Fatalf("%s: version %d, submitted at %v; want both stamped", r.QuestionID, got.Version, got.SubmittedAt)
		}
		want.Version, want.SubmittedAt = got.Version, got.SubmittedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d read back as\n%+v\nwant\n%+v", i, got, want)
		}
	}

	// The edit skips q01 and changes q02, and its survey version no longer has q03: neither the skipped
	// answer nor the dropped question may survive from the first submission.
	edit := form("acme", resp, 3, 2)
	edit.Rows[1] = Row{QuestionID: "q01", SurveyID: "alumni-3m", Answered: false}
	if err := w.Write(ctx, edit); err != nil {
		t.Fatal(err)
	}
	// Another tenant's row with the same response id must not leak into this one.
	if err := w.Write(ctx, form("other", resp, 3, 9)); err != nil {
		t.Fatal(err)
	}

	after, err := w.Latest(ctx, "acme", resp)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 3 {
		t.Fatalf("latest has %d answers, want the edit's 3", len(after))
	}
	if q := after["q01"]; q.Answered || q.Num != 0 || len(q.Choices) != 0 || q.Text != "" {
		t.Errorf("q01 skipped in the edit reads %+v, want unanswered and empty", q)
	}
	if q := after["q02"]; !q.Answered || q.Num != 2002 || q.Text != "回答 2/2" {
		t.Errorf("q02 reads %+v, want the edit's answer", q)
	}
	if after["q00"].Version <= before["q00"].Version || after["q00"].Version != after["q01"].Version {
		t.Errorf("versions before %d, after %d/%d: want one newer version for the whole edit",
			before["q00"].Version, after["q00"].Version, after["q01"].Version)
	}

	// A copy of the first submission arriving late, with its older version, must not win again.
	stale, err := normalize(first, 100, before["q00"].Version, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(ctx, conn, insertAnswers, stale...); err != nil {
		t.Fatal(err)
	}
	again, err := w.Latest(ctx, "acme", resp)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, after) {
		t.Errorf("after a stale copy arrived, latest reads\n%+v\nwant the edit\n%+v", again, after)
	}

	// Dashboards read through FINAL: the table itself must replace the skipped answer too.
	var answered uint8
	if err := conn.QueryRow(ctx, "SELECT answered FROM answers FINAL WHERE tenant_id = 'acme' AND question_id = 'q01' AND response_id = toUUID(?)",
		resp.String()).Scan(&answered); err != nil {
		t.Fatal(err)
	}
	if answered != 0 {
		t.Errorf("FINAL reads q01 as answered")
	}
}

func TestFailedBatchReachesEveryCaller(t *testing.T) {
	tests := []struct {
		name  string
		fault func(test, writer db.Conn) error
	}{
		{"dropped table", func(test, _ db.Conn) error { return test.Exec(context.Background(), "DROP TABLE answers") }},
		{"closed connection", func(_, writer db.Conn) error { return writer.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, cfg := dbtest.New(t)
			own, err := db.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer own.Close()
			g := gate(own)
			w := New(g, Options{}, quiet())
			defer closeWriter(t, w)

			// Hold the first batch in flight so the next writers all queue up for one INSERT.
			firstErr := make(chan error, 1)
			go func() { firstErr <- w.Write(context.Background(), form("acme", uuid.New(), 5, 0)) }()
			<-g.entered
			const callers = 20
			errs := make(chan error, callers)
			for i := range callers {
				go func() { errs <- w.Write(context.Background(), form("acme", uuid.New(), 5, i+1)) }()
			}
			waitFor(t, "callers to queue", func() bool { return w.Stats().Pending == callers+1 })
			if err := tt.fault(conn, own); err != nil {
				t.Fatal(err)
			}
			g.release <- struct{}{}
			if err := <-firstErr; err == nil {
				t.Error("the first batch succeeded")
			}
			<-g.entered
			g.release <- struct{}{}
			for range callers {
				err := <-errs
				var verr *ValidationError
				if err == nil || errors.As(err, &verr) {
					t.Errorf("caller got %v, want the batch's error", err)
				}
			}
			if st := w.Stats(); st.Batches != 2 || st.Failed != 2 || st.Submissions != 0 || st.Pending != 0 {
				t.Errorf("stats %+v, want 2 failed batches", st)
			}
		})
	}
}

func TestCancelledCallerDoesNotSpoilBatch(t *testing.T) {
	conn, _ := dbtest.New(t)
	g := gate(conn)
	w := New(g, Options{MaxDelay: time.Hour}, quiet())
	ctx := context.Background()

	cancelled, cancel := context.WithCancel(ctx)
	a, b := form("acme", uuid.New(), 4, 1), form("acme", uuid.New(), 4, 2)
	aErr, bErr := make(chan error, 1), make(chan error, 1)
	go func() { aErr <- w.Write(cancelled, a) }()
	go func() { bErr <- w.Write(ctx, b) }()
	waitFor(t, "both writes to queue", func() bool { return w.Stats().Pending == 2 })
	// MaxRows is not reached and MaxDelay is an hour: Close is what sends the batch, and it goes in flight.
	closed := make(chan error, 1)
	go func() { closed <- w.Close(ctx) }()
	<-g.entered

	cancel()
	if err := <-aErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	g.release <- struct{}{}
	if err := <-bErr; err != nil {
		t.Fatalf("other caller in the batch: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// The cancelled caller's answers went out with the batch: it was told to stop waiting, not undone.
	for _, s := range []Submission{a, b} {
		got, err := w.Latest(ctx, "acme", s.ResponseID)
		if err != nil || len(got) != 4 {
			t.Fatalf("response %s: %d answers, %v; want 4", s.ResponseID, len(got), err)
		}
	}
	if st := w.Stats(); st.Batches != 1 || st.Submissions != 2 {
		t.Fatalf("stats %+v, want one batch of 2", st)
	}
}

func TestCloseFlushesPending(t *testing.T) {
	conn, cfg := dbtest.New(t)
	w := New(conn, Options{MaxDelay: time.Hour}, quiet())
	ctx := context.Background()

	const callers = 10
	errs := make(chan error, callers)
	for i := range callers {
		go func() { errs <- w.Write(ctx, form("acme", uuid.New(), 3, i)) }()
	}
	waitFor(t, "callers to queue", func() bool { return w.Stats().Pending == callers })
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatalf("queued write: %v", err)
		}
	}
	if n := insertCount(t, conn, cfg.Database); n != 1 {
		t.Fatalf("%d INSERTs, want the queue flushed in one", n)
	}
	if err := w.Write(ctx, form("acme", uuid.New(), 3, 0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v, want ErrClosed", err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestFullQueueWaitsWithinContext(t *testing.T) {
	conn, _ := dbtest.New(t)
	g := gate(conn)
	w := New(g, Options{MaxQueue: 1}, quiet())
	ctx := context.Background()

	held := make(chan error, 2)
	go func() { held <- w.Write(ctx, form("acme", uuid.New(), 3, 1)) }()
	<-g.entered // the first batch is in flight
	go func() { held <- w.Write(ctx, form("acme", uuid.New(), 3, 2)) }()
	waitFor(t, "the queue to fill", func() bool { return len(w.queue) == 1 })

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	late := form("acme", uuid.New(), 3, 3)
	if err := w.Write(short, late); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write to a full queue: %v, want DeadlineExceeded", err)
	}
	g.release <- struct{}{}
	g.release <- struct{}{}
	for range 2 {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
	closeWriter(t, w)
	if got, err := w.Latest(ctx, "acme", late.ResponseID); err != nil || len(got) != 0 {
		t.Fatalf("the refused submission reads %v, %v; want nothing stored", got, err)
	}
}

func TestWriteNaive(t *testing.T) {
	conn, cfg := dbtest.New(t)
	w := New(conn, Options{}, quiet())
	defer closeWriter(t, w)
	ctx := context.Background()
	for i := range 3 {
		if err := w.WriteNaive(ctx, form("acme", uuid.New(), 4, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := insertCount(t, conn, cfg.Database); n != 3 {
		t.Fatalf("%d INSERTs, want one per submission", n)
	}
}

func TestLatestOfReadsOnlyTheSurveysQuestions(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	w := New(conn, Options{}, nil)
	defer w.Close(ctx)
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := cat.Get("alumni-3m")
	resp := uuid.New()
	a := survey.Answers{"would_recommend": {Number: 9}, "improve": {Text: "評価制度"}}
	inv := invite.Invitation{TenantID: "acme", ID: resp, AlumnusID: uuid.New(), SurveyID: s.ID, Wave: "3m"}
	if err := w.Write(ctx, Build(s, a, alumni.Alumnus{}, inv, "ja")); err != nil {
		t.Fatal(err)
	}
	all, err := w.Latest(ctx, "acme", resp)
	if err != nil {
		t.Fatal(err)
	}
	of, err := w.LatestOf(ctx, "acme", s, resp)
	if err != nil {
		t.Fatal(err)
	}
	if len(of) != len(s.Questions) || len(all) != len(of) {
		t.Fatalf("LatestOf = %d rows, Latest = %d, survey has %d questions", len(of), len(all), len(s.Questions))
	}
	if got := AnswersOf(s, of); got["would_recommend"].Number != 9 || got["improve"].Text != "評価制度" {
		t.Errorf("answers = %+v", got)
	}
}
