// Command benchdata generates a large, plausible data set for one tenant in a database of its own and
// measures the insight API on it.
//
//	benchdata gen  -responses 1000000          # create and fill the database (a few minutes)
//	benchdata run  -requests 50                # p50/p95 and bytes read of every insight endpoint
//
// The data: leavers over five fiscal years with correlated hindsight ratings, would-recommend and
// return-intent scores; 3- and 6-month responses of the same people; stated exit reasons that hide the
// true one more often than not; invitation histories; edits (a second version of 3% of responses);
// analysed comments with a rising theme; rehires, referrals and monthly headcounts.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/migrations"
)

const benchTenant = "bench"

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "gen" && os.Args[1] != "run" && os.Args[1] != "query") {
		fmt.Fprintln(os.Stderr, "usage: benchdata gen|run|query [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	database := fs.String("db", "insight_bench", "database to create and fill (dropped first by gen)")
	responses := fs.Int("responses", 1_000_000, "gen: about how many survey responses to generate")
	seed := fs.Uint64("seed", 1, "gen: seed of the pseudo-random data")
	requests := fs.Int("requests", 50, "run: requests per endpoint")
	tail := fs.Int("tail", 50, "run: fresh submissions written after the compactor pass, newer than its watermark")
	only := fs.String("only", "", "run: measure only endpoints whose path contains this")
	query := fs.String("q", "", "query: a SELECT to time (-requests times)")
	_ = fs.Parse(os.Args[2:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := dbtest.Config(*database)
	var err error
	switch os.Args[1] {
	case "gen":
		err = generate(ctx, cfg, *responses, *seed)
	case "run":
		err = run(ctx, cfg, *requests, *tail, *only, os.Stdout)
	case "query":
		err = timeQuery(ctx, cfg, *query, *requests, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdata:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func generate(ctx context.Context, cfg config.ClickHouse, responses int, seed uint64) error {
	server, err := db.OpenServer(ctx, cfg)
	if err != nil {
		return err
	}
	if err := server.Exec(ctx, "DROP DATABASE IF EXISTS `"+cfg.Database+"`"); err != nil {
		return fmt.Errorf("drop %s: %w", cfg.Database, err)
	}
	server.Close()
	if err := db.CreateDatabase(ctx, cfg); err != nil {
		return err
	}
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		return err
	}
	if _, err := migrate.New(conn, files, slog.New(slog.NewTextHandler(io.Discard, nil))).Up(ctx); err != nil {
		return err
	}
	ts := tenant.NewStore(conn)
	if err := ts.Put(ctx, tenant.Tenant{ID: benchTenant, Name: "ベンチマーク株式会社", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
		return err
	}
	// About 1.13 responses per leaver: 0.88 consent × 0.98 delivered × (0.60 at 3 months + 0.53 at 6 months).
	g := gen{seed: seed, alumni: int(float64(responses) / (0.88 * 0.98 * 1.13)), tenant: benchTenant, verbose: say}
	say("generating %d leavers into %s", g.alumni, cfg.Database)
	start := time.Now()
	if err := g.generate(ctx, conn); err != nil {
		return err
	}
	say("generated in %s", time.Since(start).Round(time.Second))
	return report(ctx, conn)
}

// report prints the size of every table.
func report(ctx context.Context, conn db.Conn) error {
	rows, err := conn.Query(ctx, `
		SELECT table, sum(rows), sum(data_compressed_bytes), sum(data_uncompressed_bytes), count()
		FROM system.parts WHERE active AND database = currentDatabase()
		GROUP BY table ORDER BY table`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		var n, comp, raw, parts uint64
		if err := rows.Scan(&table, &n, &comp, &raw, &parts); err != nil {
			return err
		}
		say("%-20s %12d rows %8.1f MiB compressed %8.1f MiB raw %4d parts", table, n, float64(comp)/(1<<20), float64(raw)/(1<<20), parts)
	}
	return rows.Err()
}
