// Package db opens ClickHouse connections over the native protocol.
//
// Everything alumnipulse stores lives in one ClickHouse database. The server may be Debian's 18.16 or a
// current release, so statements stay within what both accept (see migrations/README.md).
package db

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/alumnipulse/alumnipulse/internal/config"
)

// Conn is a ClickHouse connection pool.
type Conn = driver.Conn

// Open connects to the configured database and checks that the server answers.
func Open(ctx context.Context, cfg config.ClickHouse) (Conn, error) {
	return open(ctx, cfg, cfg.Database)
}

// OpenServer connects without selecting a database, to create or drop one.
func OpenServer(ctx context.Context, cfg config.ClickHouse) (Conn, error) {
	return open(ctx, cfg, "default")
}

func open(ctx context.Context, cfg config.ClickHouse, database string) (Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:     []string{cfg.Addr},
		Protocol: clickhouse.Native,
		Auth: clickhouse.Auth{
			Database: database,
			Username: cfg.User,
			Password: cfg.Password,
		},
		DialTimeout:     cfg.DialTimeout,
		MaxOpenConns:    cfg.MaxOpenConns,
		MaxIdleConns:    cfg.MaxOpenConns,
		ConnMaxLifetime: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("open clickhouse %s: %w", cfg.Addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("reach clickhouse at %s (database %s): %w", cfg.Addr, database, err)
	}
	return conn, nil
}

// CreateDatabase creates the database if it does not exist.
func CreateDatabase(ctx context.Context, cfg config.ClickHouse) error {
	conn, err := OpenServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A database name cannot be a bound parameter; config.Validate allows only plain names.
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+cfg.Database+"`"); err != nil {
		return fmt.Errorf("create database %s: %w", cfg.Database, err)
	}
	return nil
}

// Insert writes rows in one batch. The statement must name its columns ("INSERT INTO t (a, b)"): on
// ClickHouse 18.16 clickhouse-go cannot send a batch without them, and an INSERT … VALUES through Exec
// hangs waiting for the server, so every write goes through a batch.
func Insert(ctx context.Context, conn Conn, insert string, rows ...[]any) error {
	batch, err := conn.PrepareBatch(ctx, insert)
	if err != nil {
		return fmt.Errorf("prepare %q: %w", insert, err)
	}
	for _, row := range rows {
		if err := batch.Append(row...); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("append to %q: %w", insert, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("send %q: %w", insert, err)
	}
	return nil
}
