-- Sign-in for HR and leadership users (internal/auth). Same rules as 0001: runs on ClickHouse 18.16 and
-- current releases, tenant_id first in every ORDER BY, state changes as new row versions.

-- Users of a tenant. email is PII (normalised: NFKC, lower case). password_hash is an argon2id PHC string,
-- empty until an invitation is accepted; totp_secret is AES-GCM sealed under a key derived from the app
-- secret, and required at sign-in only once totp_enabled = 1. invite_hash is the SHA-256 of the pending
-- invitation token ('' when none); 1970-01-01 in invite_expires means none.
CREATE TABLE IF NOT EXISTS users
(
    tenant_id      String,
    user_id        UUID,
    email          String,
    display_name   String,
    role           Enum8('hr_admin' = 1, 'hr_viewer' = 2, 'leadership' = 3),
    password_hash  String,
    totp_secret    String,
    totp_enabled   UInt8,
    disabled       UInt8,
    invite_hash    String,
    invite_expires DateTime,
    created_at     DateTime,
    updated_at     DateTime,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, user_id);

-- Server-side sessions. Only the SHA-256 of the token's secret is stored; logout writes a revoked
-- version. Every version of a session keeps its created_at, so they share a partition and replace.
CREATE TABLE IF NOT EXISTS sessions
(
    tenant_id    String,
    session_hash String,
    user_id      UUID,
    created_at   DateTime,
    expires_at   DateTime,
    revoked      UInt8,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant_id, session_hash);

-- Every sign-in attempt, append-only; the lockout counts recent failures with a query, since ClickHouse
-- has no atomic counter. subject is a keyed hash of (tenant, address), so an address nobody has is
-- counted like a real one and no address is stored. at_ns orders attempts within a second; totp_step is
-- the TOTP time step a successful sign-in used (a code is good once).
CREATE TABLE IF NOT EXISTS login_attempts
(
    tenant_id String,
    subject   String,
    at        DateTime,
    at_ns     UInt64,
    user_id   UUID,
    ok        UInt8,
    totp_step UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, subject, at_ns);
