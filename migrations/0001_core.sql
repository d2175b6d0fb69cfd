-- Core tables. Every table is multi-tenant: tenant_id leads every ORDER BY, and every query filters on it.
-- State changes are new rows (ReplacingMergeTree(version) or append-only events), never UPDATEs.
-- Statements must run on ClickHouse 18.16 and on current releases: no LowCardinality, TTL, JSON functions,
-- window functions or DateTime64; INSERTs name their columns.

CREATE TABLE IF NOT EXISTS tenants
(
    tenant_id      String,
    name           String,
    time_zone      String,
    default_locale String,
    -- Tenant settings (wave offsets, send hour, reminders, minimum group sizes, key ids, …) as JSON,
    -- read and validated in Go; no JSON functions are needed in SQL.
    settings       String,
    created_at     DateTime,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY tenant_id;

CREATE TABLE IF NOT EXISTS api_keys
(
    tenant_id  String,
    key_id     String,
    -- SHA-256 of the secret part; the secret itself is shown once and never stored.
    hash       String,
    name       String,
    role       Enum8('hr_admin' = 1, 'hr_viewer' = 2, 'leadership' = 3),
    created_at DateTime,
    revoked    UInt8,
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, key_id);

-- The alumni registry: HR attributes only. Names and e-mail addresses live in alumni_contacts.
-- alumnus_id is a keyed hash of (tenant, employee code), so a re-import finds the same person, and an
-- erased person is recognised (and never surveyed) without keeping their employee code.
CREATE TABLE IF NOT EXISTS alumni
(
    tenant_id        String,
    alumnus_id       UUID,
    employee_code    String,
    department       String,
    job_family       String,
    grade            String,
    gender           Enum8('unknown' = 0, 'male' = 1, 'female' = 2, 'other' = 3),
    hire_date        Date,
    exit_date        Date,
    exit_type        Enum8('unknown' = 0, 'voluntary' = 1, 'involuntary' = 2, 'retirement' = 3, 'contract_end' = 4),
    exit_reason      String,
    exit_reason_text String,
    regrettable      UInt8,
    rehire_eligible  UInt8,
    locale           String,
    consent          UInt8,
    has_email        UInt8,
    -- Hash of the imported attributes: a re-import of an unchanged row writes nothing.
    source_hash      UInt64,
    imported_at      DateTime,
    updated_at       DateTime,
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, alumnus_id);

-- What happened to an alumnus after the import, append-only: opt-out, erasure, bounce, rehire, referral.
-- Kept apart from the imported attributes so that an import running at the same moment as an opt-out can
-- never overwrite it.
CREATE TABLE IF NOT EXISTS alumni_events
(
    tenant_id  String,
    alumnus_id UUID,
    event      Enum8('opted_out' = 1, 'erased' = 2, 'bounced' = 3, 'rehired' = 4, 'referral' = 5),
    at         DateTime,
    detail     String
)
ENGINE = MergeTree()
ORDER BY (tenant_id, alumnus_id, at);

-- PII, kept apart from everything else. Erasure writes an empty tombstone version and deletes the rest.
CREATE TABLE IF NOT EXISTS alumni_contacts
(
    tenant_id  String,
    alumnus_id UUID,
    name       String,
    email      String,
    updated_at DateTime,
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, alumnus_id);

-- One invitation per (tenant, alumnus, survey, wave); invitation_id is derived from that key, so creating
-- it twice is harmless.
CREATE TABLE IF NOT EXISTS invitations
(
    tenant_id     String,
    invitation_id UUID,
    alumnus_id    UUID,
    survey_id     String,
    wave          String,
    locale        String,
    due_at        DateTime,
    closes_at     DateTime,
    created_at    DateTime,
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, invitation_id);

-- What happened to an invitation, append-only; its current state is the latest event (argMax).
CREATE TABLE IF NOT EXISTS invitation_events
(
    tenant_id     String,
    invitation_id UUID,
    survey_id     String,
    wave          String,
    event         Enum8('planned' = 1, 'sending' = 2, 'sent' = 3, 'reminding' = 4, 'reminded' = 5,
                        'opened' = 6, 'submitted' = 7, 'bounced' = 8, 'failed' = 9, 'expired' = 10,
                        'opted_out' = 11, 'skipped' = 12),
    seq           UInt16,
    at            DateTime,
    detail        String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, invitation_id, at);

-- Answers in long format, one row per (response, question), with a snapshot of the segment columns so
-- dashboards need no joins. Every submission writes a row for every question of the survey (answered = 0
-- for the ones left out), so the last submission wins whole. No partitioning: one submission batch is one
-- part, so an INSERT is all or nothing.
CREATE TABLE IF NOT EXISTS answers
(
    tenant_id      String,
    question_id    String,
    survey_id      String,
    response_id    UUID,
    survey_version UInt32,
    wave           String,
    alumnus_id     UUID,
    answered       UInt8,
    num            Float64,
    choices        Array(String),
    text           String,
    department     String,
    job_family     String,
    grade          String,
    gender         String,
    exit_type      String,
    exit_reason    String,
    tenure_band    String,
    exit_quarter   Date,
    regrettable    UInt8,
    locale         String,
    submitted_at   DateTime,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, question_id, survey_id, response_id);

-- The text pipeline's reading of each free-text answer: masked text (the only form HR ever sees), terms,
-- themes with their sentiment, and the analyser version that produced it.
CREATE TABLE IF NOT EXISTS text_analyses
(
    tenant_id        String,
    question_id      String,
    survey_id        String,
    response_id      UUID,
    wave             String,
    analyzer_version String,
    masked           String,
    terms            Array(String),
    themes           Array(String),
    theme_sentiments Array(String),
    sentiment        Enum8('neutral' = 0, 'positive' = 1, 'negative' = 2, 'mixed' = 3),
    score            Float32,
    department       String,
    job_family       String,
    exit_type        String,
    tenure_band      String,
    exit_quarter     Date,
    submitted_at     DateTime,
    analyzed_at      DateTime,
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, question_id, survey_id, response_id);

-- Who did what: every read of comments, every export, every import and erasure.
CREATE TABLE IF NOT EXISTS audit_log
(
    tenant_id String,
    at        DateTime,
    event_id  UUID,
    actor     String,
    action    String,
    target    String,
    detail    String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, at, event_id);
