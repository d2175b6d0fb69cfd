-- Pre-aggregated insight counts (see internal/insight/cube.go).
--
-- response_pivot and invitation_funnel become plain MergeTrees rather than ReplacingMergeTrees: a merge
-- must never drop the current row of a response in favour of a row of a pass that has not (or never)
-- become visible, and the counts in insight_counts take away the contribution of exactly the rows a pass
-- replaces, which must still be there to read. Both are derived data, as are the superseded keys and the
-- watermarks, so they are dropped and made again empty: the compactor's next pass rebuilds everything from
-- response_facts, invitation_events, text_analyses and alumni (reports wait for it, see maxLag).
DROP TABLE IF EXISTS response_pivot;

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
ENGINE = MergeTree()
ORDER BY (tenant_id, wave, survey_id, response_id);

DROP TABLE IF EXISTS invitation_funnel;

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
ENGINE = MergeTree()
ORDER BY (tenant_id, invitation_id)
SETTINGS index_granularity = 256;

DROP TABLE IF EXISTS insight_superseded;

CREATE TABLE IF NOT EXISTS insight_superseded
(
    tenant_id String,
    source    Enum8('pivot' = 1, 'funnel' = 2, 'text' = 3, 'alumni' = 4),
    row_key   UInt64,
    gen       UInt64
)
ENGINE = MergeTree()
ORDER BY (tenant_id, source, row_key);

DROP TABLE IF EXISTS insight_watermarks;

CREATE TABLE IF NOT EXISTS insight_watermarks
(
    source    Enum8('pivot' = 1, 'funnel' = 2, 'text' = 3, 'alumni' = 4),
    watermark UInt64,
    passed_at DateTime
)
ENGINE = ReplacingMergeTree(watermark)
ORDER BY source;

-- The analyses of free-text answers as the compactor last saw them: for every key (question, response)
-- with a version analysed since the previous pass, its newest version, under the pass's gen. The current
-- row of a key is the one of the highest gen at or below the watermark. Kept apart from text_analyses
-- (whose older versions vanish when parts merge) so that a pass can take away exactly the contribution
-- to insight_counts it added before.
CREATE TABLE IF NOT EXISTS insight_text
(
    tenant_id        String,
    gen              UInt64,
    -- cityHash64(question_id, toUInt64(response_id)).
    text_key         UInt64,
    survey_id        String,
    wave             String,
    department       String,
    job_family       String,
    exit_type        String,
    tenure_band      String,
    exit_quarter     Date,
    submitted_at     DateTime,
    themes           Array(String),
    theme_sentiments Array(String),
    sentiment        String
)
ENGINE = MergeTree()
ORDER BY (tenant_id, text_key, gen);

-- Pre-aggregated counts behind the insight reports that would otherwise scan millions of rows per request
-- (the funnel, eNPS and return intent, themes, change over time, the survey figures of the human-capital
-- report). The compactor keeps them in step with response_pivot,
-- invitation_funnel and text_analyses: every row of those tables that becomes current adds its
-- contribution (cnt = +1 per row it stands for), every row that stops being current takes it away again
-- (cnt = -1), under the gen of the pass that did it; a query sums the rows with base <= gen <= watermark
-- and adds what is newer than the watermark on the fly. See internal/insight/cube.go.
--
-- Which report a row serves is its kind; the segment columns are the snapshot a filter restricts (a kind
-- may leave some empty when it does not keep them), bucket is the UTC start of the month or quarter of
-- the period column (planned_at, submitted_at), and item, a, b are the figure's own values (a theme and
-- its sentiment, a funnel's stages, a pair of answers). Rows of the same key and gen add up when parts
-- merge; rows that cancel out disappear.
--
-- Rows with tenant_id = '' mark a full rebuild of a kind (cnt = 1 at gen = the pass's watermark): a query
-- reads only rows at or after the latest complete rebuild, so a rebuild replaces everything before it.
-- A pass that fails part-way leaves rows of a gen above the watermark; the next pass cancels them first.
CREATE TABLE IF NOT EXISTS insight_counts
(
    tenant_id    String,
    kind         Enum8('funnel' = 1, 'theme' = 2, 'change' = 3, 'survey' = 4, 'score' = 5),
    gen          UInt64,
    survey_id    String,
    wave         String,
    department   String,
    job_family   String,
    exit_type    String,
    tenure_band  String,
    exit_quarter Date,
    bucket       DateTime,
    item         String,
    a            Int16,
    b            Int16,
    cnt          Int64
)
ENGINE = SummingMergeTree(cnt)
ORDER BY (tenant_id, kind, gen, survey_id, wave, department, job_family, exit_type, tenure_band, exit_quarter,
    bucket, item, a, b);
