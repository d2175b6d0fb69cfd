// Package dbtest gives tests a throwaway, migrated ClickHouse database on the real server.
//
// The server is the one `make test` starts (or ALUMNIPULSE_CLICKHOUSE_ADDR). There is no fallback and no
// skip: a test that needs the database fails when the server is not there.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/migrations"
)

// Config returns the ClickHouse settings tests use, with the given database name.
func Config(database string) config.ClickHouse {
	addr := os.Getenv("ALUMNIPULSE_CLICKHOUSE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:19000"
	}
	return config.ClickHouse{
		Addr: addr, Database: database, User: "default",
		Password: os.Getenv("ALUMNIPULSE_CLICKHOUSE_PASSWORD"), DialTimeout: 5 * time.Second, MaxOpenConns: 16,
	}
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// New creates a database named after the test, applies every migration and returns a connection to it.
// The database is dropped when the test passes and kept for inspection when it fails.
func New(t testing.TB) (db.Conn, config.ClickHouse) {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.Trim(unsafe.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	cfg := Config("test_" + name + "_" + hex.EncodeToString(b[:]))
	ctx := context.Background()
	if err := db.CreateDatabase(ctx, cfg); err != nil {
		t.Fatalf("dbtest: %v (is ClickHouse running? `make test` starts it)", err)
	}
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if _, err := migrate.New(conn, files, slog.New(slog.NewTextHandler(io.Discard, nil))).Up(ctx); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	t.Cleanup(func() {
		defer conn.Close()
		if t.Failed() {
			t.Logf("dbtest: kept database %s for inspection", cfg.Database)
			return
		}
		if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+cfg.Database+"`"); err != nil {
			t.Logf("dbtest: drop %s: %v", cfg.Database, err)
		}
	})
	return conn, cfg
}
