// Package migrations holds alumnipulse's ClickHouse schema as numbered SQL files, applied in order by
// internal/migrate.
package migrations

import "embed"

// FS holds the migration files (NNNN_name.sql).
//
//go:embed *.sql
var FS embed.FS
