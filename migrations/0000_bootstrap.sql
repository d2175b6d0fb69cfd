-- Bookkeeping for the migration runner itself; run before every migration pass (idempotent).
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime
)
ENGINE = MergeTree()
ORDER BY version;

-- ClickHouse has no row locks: a runner appends an 'acquire' row, waits a moment, and the earliest live
-- acquirer wins; the others wait for its 'release' row (or for its lease to run out). See internal/migrate.
CREATE TABLE IF NOT EXISTS schema_lock
(
    name  String,
    owner String,
    at_ns UInt64,
    state Enum8('acquire' = 1, 'release' = 2)
)
ENGINE = MergeTree()
ORDER BY (name, at_ns);
