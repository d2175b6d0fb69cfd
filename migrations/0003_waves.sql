-- The wave scheduler's leadership lease. Several `serve` processes may share a database; only the holder
-- of the 'scheduler' lease plans and sends. ClickHouse has no row locks, so the lease is append-only, as
-- schema_lock is: a candidate appends 'acquire', waits a moment and reads; the owner with the earliest row
-- among the live ones (a row within the lease TTL, no 'release') holds it, and keeps it alive by
-- appending 'renew' heartbeats. See internal/wave/lease.go. Rows are tiny (a few thousand a day).
CREATE TABLE IF NOT EXISTS scheduler_lease
(
    name  String,
    owner String,
    at_ns UInt64,
    state Enum8('acquire' = 1, 'renew' = 2, 'release' = 3)
)
ENGINE = MergeTree()
ORDER BY (name, at_ns);
