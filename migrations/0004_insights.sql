-- Insight tables: HR-reported headcounts, and the pre-aggregation behind the insight API.
--
-- Why pre-aggregation: answers is a ReplacingMergeTree, so a query must keep only the last submission of
-- each response. Deduplicating at query time (argMax … GROUP BY response_id, or FINAL) costs a hash table
-- of every response on every request, several hundred milliseconds at a million responses. Instead an
-- incremental compactor (internal/insight/compact.go) folds everything older than a watermark into
-- one-row-per-response and one-row-per-invitation tables and records which older rows a newer one
-- replaced; a query reads those tables, skips the replaced rows by key, and works out the few rows newer
-- than the watermark on the fly. See internal/insight/doc.go for the full argument.

-- Headcount reported by HR for a period: a month (the headcount at the month's end) or a fiscal year (its
-- average headcount); for the whole company (department = '') or for one department. Importing the same
-- (period, department) again replaces it; deleted = 1 withdraws it.
CREATE TABLE IF NOT EXISTS headcounts
(
    tenant_id    String,
    period_start Date,
    period_end   Date,
    kind         Enum8('month' = 1, 'fiscal_year' = 2),
    department   String,
    headcount    UInt32,
    source       String,
    deleted      UInt8,
    imported_at  DateTime,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, kind, period_start, department);

-- One row per stored submission (response version), written by the materialized view below from every
-- INSERT into answers. A submission's rows always arrive in one INSERT block (internal/answer writes a
-- batch as one block), so grouping the block by (response, version) sees the whole submission. Numeric
-- answers (nps, likert: answered, no choice, no text) and single-choice answers are kept as parallel
-- arrays keyed by cityHash64(question_id), so this table knows nothing of any survey's question ids.
-- Ordered by version: the compactor and the queries read "everything newer than the watermark" by index.
CREATE TABLE IF NOT EXISTS response_facts
(
    tenant_id    String,
    version      UInt64,
    response_id  UUID,
    alumnus_id   UUID,
    survey_id    String,
    wave         String,
    submitted_at DateTime,
    department   String,
    job_family   String,
    exit_type    String,
    exit_reason  String,
    tenure_band  String,
    exit_quarter Date,
    regrettable  UInt8,
    num_q        Array(UInt64),
    num_v        Array(Float32),
    choice_q     Array(UInt64),
    choice_v     Array(String)
)
ENGINE = MergeTree()
ORDER BY (tenant_id, version, response_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS response_facts_mv TO response_facts AS
SELECT
    tenant_id,
    version,
    response_id,
    any(alumnus_id) AS alumnus_id,
    survey_id,
    any(wave) AS wave,
    any(submitted_at) AS submitted_at,
    any(department) AS department,
    any(job_family) AS job_family,
    any(exit_type) AS exit_type,
    any(exit_reason) AS exit_reason,
    any(tenure_band) AS tenure_band,
    any(exit_quarter) AS exit_quarter,
    any(regrettable) AS regrettable,
    groupArrayIf(cityHash64(question_id), answered = 1 AND empty(choices) AND text = '') AS num_q,
    groupArrayIf(toFloat32(num), answered = 1 AND empty(choices) AND text = '') AS num_v,
    groupArrayIf(cityHash64(question_id), answered = 1 AND length(choices) = 1) AS choice_q,
    groupArrayIf(choices[1], answered = 1 AND length(choices) = 1) AS choice_v
FROM answers
GROUP BY tenant_id, survey_id, response_id, version;

-- Answers stored before this migration (the view only sees new INSERTs). Skips what the view has already
-- written, so running it again adds nothing.
INSERT INTO response_facts (tenant_id, version, response_id, alumnus_id, survey_id, wave, submitted_at,
    department, job_family, exit_type, exit_reason, tenure_band, exit_quarter, regrettable,
    num_q, num_v, choice_q, choice_v)
SELECT
    tenant_id, version, response_id, any(alumnus_id), survey_id, any(wave), any(submitted_at),
    any(department), any(job_family), any(exit_type), any(exit_reason), any(tenure_band), any(exit_quarter),
    any(regrettable),
    groupArrayIf(cityHash64(question_id), answered = 1 AND empty(choices) AND text = ''),
    groupArrayIf(toFloat32(num), answered = 1 AND empty(choices) AND text = ''),
    groupArrayIf(cityHash64(question_id), answered = 1 AND length(choices) = 1),
    groupArrayIf(choices[1], answered = 1 AND length(choices) = 1)
FROM answers
WHERE version NOT IN (SELECT version FROM response_facts)
GROUP BY tenant_id, survey_id, response_id, version;

-- The current response of every alumnus and wave as of a compactor pass (gen = that pass's watermark),
-- with the answers the metrics use in fixed columns (looked up by metric and driver tag when the pass
-- ran) and, for change over time, the same person's previous response. Whenever any response of an
-- alumnus changes, the next pass writes all of that alumnus's rows again under its own gen and records
-- the older gen as superseded. Missing answers are -1 (score, return_intent) or 0 (drivers).
CREATE TABLE IF NOT EXISTS response_pivot
(
    tenant_id          String,
    gen                UInt64,
    -- cityHash64(toUInt64(alumnus_id), gen): what insight_superseded lists when a later pass replaces it.
    row_key            UInt64,
    alumnus_id         UUID,
    response_id        UUID,
    version            UInt64,
    first_version      UInt64,
    survey_id          String,
    wave               String,
    submitted_at       DateTime,
    department         String,
    job_family         String,
    exit_type          String,
    exit_reason        String,
    tenure_band        String,
    exit_quarter       Date,
    regrettable        UInt8,
    score              Int8,
    return_intent      Int8,
    drivers            Array(Int8),
    true_reason        String,
    retainable         String,
    view_change        String,
    prev_response_id   UUID,
    prev_survey_id     String,
    prev_wave          String,
    prev_score         Int8,
    prev_return_intent Int8,
    prev_drivers       Array(Int8),
    prev_retainable    String
)
ENGINE = ReplacingMergeTree(gen)
ORDER BY (tenant_id, wave, survey_id, response_id);

-- Every invitation's funnel as of a compactor pass: which kinds of event it has had (bit 1 << event
-- number of invitation_events.event), when it was first planned, and the segment of its alumnus.
CREATE TABLE IF NOT EXISTS invitation_funnel
(
    tenant_id     String,
    gen           UInt64,
    -- cityHash64(toUInt64(invitation_id), gen), as in response_pivot.
    row_key       UInt64,
    invitation_id UUID,
    survey_id     String,
    wave          String,
    planned_at    DateTime,
    stages        UInt16,
    department    String,
    job_family    String,
    exit_type     String,
    exit_quarter  Date
)
ENGINE = ReplacingMergeTree(gen)
ORDER BY (tenant_id, invitation_id)
SETTINGS index_granularity = 256;

-- Row keys a later row replaced: response_pivot and invitation_funnel rows of an older gen (key
-- cityHash64(toUInt64(id), gen)), and text_analyses and alumni versions (key cityHash64 of the row's key
-- and version). A query skips the keys whose gen is at most the watermark it read. Duplicates are
-- harmless, so this is a plain MergeTree.
CREATE TABLE IF NOT EXISTS insight_superseded
(
    tenant_id String,
    source    Enum8('pivot' = 1, 'funnel' = 2, 'text' = 3, 'alumni' = 4),
    row_key   UInt64,
    gen       UInt64
)
ENGINE = MergeTree()
ORDER BY (tenant_id, source, row_key);

-- How far the compactor has got, per source: response_facts.version (ns), invitation_events.at (s),
-- text_analyses.analyzed_at (s), alumni.version (ns). The largest watermark is the current one.
CREATE TABLE IF NOT EXISTS insight_watermarks
(
    source    Enum8('pivot' = 1, 'funnel' = 2, 'text' = 3, 'alumni' = 4),
    watermark UInt64,
    passed_at DateTime
)
ENGINE = ReplacingMergeTree(watermark)
ORDER BY source;
