// Package audit records who read comments, exported data, imported or erased people, and when.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// Entry is one audited action. Detail must never hold PII (names, e-mail addresses).
type Entry struct {
	TenantID string
	At       time.Time
	Actor    string // "user:<id>", "apikey:<id>", "cli", "alumnus"
	Action   string // e.g. "comments.read", "export.csv", "alumni.import", "alumni.erase"
	Target   string
	Detail   string
}

// Log writes audit entries to ClickHouse.
type Log struct {
	conn db.Conn
	now  func() time.Time
}

// New returns a Log on conn.
func New(conn db.Conn) *Log {
	return &Log{conn: conn, now: time.Now}
}

// Record stores an entry. Callers must treat a failure as a failure of the audited action itself.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = l.now()
	}
	err := db.Insert(ctx, l.conn, "INSERT INTO audit_log (tenant_id, at, event_id, actor, action, target, detail)",
		[]any{e.TenantID, e.At.UTC(), uuid.New(), e.Actor, e.Action, e.Target, e.Detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// List returns a tenant's most recent entries, newest first.
func (l *Log) List(ctx context.Context, tenantID string, limit int) ([]Entry, error) {
	rows, err := l.conn.Query(ctx, `
		SELECT tenant_id, at, actor, action, target, detail
		FROM audit_log
		WHERE tenant_id = ?
		ORDER BY at DESC, event_id
		LIMIT ?`, tenantID, uint64(limit))
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.TenantID, &e.At, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
