// Package migrate applies the numbered SQL files of migrations/ to ClickHouse, in order, once each.
//
// ClickHouse has no transactions or row locks, so two rules keep concurrent and repeated runs safe:
// every statement is idempotent (CREATE … IF NOT EXISTS, ADD COLUMN IF NOT EXISTS), and a runner takes a
// lease in schema_lock before applying anything, so when two processes start at once one applies the
// migrations and the other waits for it, then finds nothing left to do.
package migrate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// File is one migration file.
type File struct {
	Version    uint32
	Name       string
	Statements []Statement
	Checksum   string
}

// Statement is one SQL statement and the line it starts on.
type Statement struct {
	SQL  string
	Line int
}

// Runner applies migrations.
type Runner struct {
	conn  db.Conn
	files []File
	log   *slog.Logger
	// Lease is how long a lock holder is trusted without releasing; Settle is how long an acquirer waits
	// before reading the lock rows, so that concurrent acquirers see each other.
	Lease  time.Duration
	Settle time.Duration
	now    func() time.Time
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// bootstrapVersion is the file that creates the runner's own tables; it runs on every pass.
const bootstrapVersion = 0

// Load reads and parses the migration files of fsys.
func Load(fsys fs.FS) ([]File, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var files []File
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_lower_snake.sql", e.Name())
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("migration %s: version %s already used by %s", e.Name(), m[1], prev)
		}
		seen[uint32(v)] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		stmts, err := Split(string(body))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		files = append(files, File{Version: uint32(v), Name: e.Name(), Statements: stmts, Checksum: hex.EncodeToString(sum[:8])})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Version < files[j].Version })
	if len(files) == 0 || files[0].Version != bootstrapVersion {
		return nil, fmt.Errorf("migrations: 0000_bootstrap.sql is missing")
	}
	return files, nil
}

// New returns a Runner for the given files.
func New(conn db.Conn, files []File, log *slog.Logger) *Runner {
	return &Runner{conn: conn, files: files, log: log, Lease: 10 * time.Minute, Settle: 400 * time.Millisecond, now: time.Now}
}

// Pending returns the migrations not yet applied.
func (r *Runner) Pending(ctx context.Context) ([]File, error) {
	applied, err := r.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, f := range r.files[1:] {
		sum, ok := applied[f.Version]
		switch {
		case !ok:
			out = append(out, f)
		case sum != "" && sum != f.Checksum:
			return nil, fmt.Errorf("migration %s was applied with checksum %s but the file now has %s: "+
				"an applied migration must never change (add a new numbered file instead); a development "+
				"database made by an older build can be rebuilt with `make stop && rm -rf .data`",
				f.Name, sum, f.Checksum)
		}
	}
	return out, nil
}

// Up applies every pending migration and returns how many this call applied.
func (r *Runner) Up(ctx context.Context) (int, error) {
	if err := r.exec(ctx, r.files[0]); err != nil {
		return 0, err
	}
	pending, err := r.Pending(ctx)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	release, err := r.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	// Another runner may have finished while this one waited for the lock.
	if pending, err = r.Pending(ctx); err != nil {
		return 0, err
	}
	for _, f := range pending {
		start := r.now()
		if err := r.exec(ctx, f); err != nil {
			return 0, err
		}
		if err := db.Insert(ctx, r.conn, "INSERT INTO schema_migrations (version, name, checksum, applied_at)",
			[]any{f.Version, f.Name, f.Checksum, r.now().UTC()}); err != nil {
			return 0, fmt.Errorf("record migration %s: %w", f.Name, err)
		}
		r.log.Info("migration applied", "name", f.Name, "statements", len(f.Statements), "took", r.now().Sub(start).Round(time.Millisecond))
	}
	return len(pending), nil
}

func (r *Runner) exec(ctx context.Context, f File) error {
	for _, s := range f.Statements {
		if err := r.conn.Exec(ctx, s.SQL); err != nil {
			return fmt.Errorf("migration %s line %d: %w", f.Name, s.Line, err)
		}
	}
	return nil
}

// applied returns the checksum each applied migration had (ties, from two runners, both are the file's).
func (r *Runner) applied(ctx context.Context) (map[uint32]string, error) {
	rows, err := r.conn.Query(ctx, "SELECT version, any(checksum) FROM schema_migrations GROUP BY version")
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	out := map[uint32]string{}
	for rows.Next() {
		var (
			v   uint32
			sum string
		)
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		out[v] = sum
	}
	return out, rows.Err()
}

const lockName = "migrate"

// lock takes the migration lease, waiting while another live runner holds it.
func (r *Runner) lock(ctx context.Context) (release func(), err error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("lock owner id: %w", err)
	}
	owner := hex.EncodeToString(b[:])
	if err := r.lockRow(ctx, owner, "acquire"); err != nil {
		return nil, err
	}
	release = func() {
		// Release even when ctx is cancelled, so the next runner need not wait for the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := r.lockRow(rctx, owner, "release"); err != nil {
			r.log.Warn("release migration lock", "err", err)
		}
	}
	waited := false
	for {
		select {
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		case <-time.After(r.Settle):
		}
		holder, err := r.holder(ctx)
		if err != nil {
			release()
			return nil, err
		}
		if holder == owner {
			return release, nil
		}
		if !waited {
			r.log.Info("another process is migrating; waiting for it")
			waited = true
		}
	}
}

func (r *Runner) lockRow(ctx context.Context, owner, state string) error {
	err := db.Insert(ctx, r.conn, "INSERT INTO schema_lock (name, owner, at_ns, state)",
		[]any{lockName, owner, uint64(r.now().UnixNano()), state})
	if err != nil {
		return fmt.Errorf("migration lock %s: %w", state, err)
	}
	return nil
}

// holder returns the owner of the earliest live acquire without a release.
func (r *Runner) holder(ctx context.Context) (string, error) {
	since := uint64(r.now().Add(-r.Lease).UnixNano())
	rows, err := r.conn.Query(ctx, `
		SELECT owner, min(at_ns) AS acquired
		FROM schema_lock
		WHERE name = ? AND at_ns >= ?
		GROUP BY owner
		HAVING countIf(state = 'release') = 0
		ORDER BY acquired, owner
		LIMIT 1`, lockName, since)
	if err != nil {
		return "", fmt.Errorf("read migration lock: %w", err)
	}
	defer rows.Close()
	var owner string
	var at uint64
	if rows.Next() {
		if err := rows.Scan(&owner, &at); err != nil {
			return "", fmt.Errorf("read migration lock: %w", err)
		}
	}
	return owner, rows.Err()
}
