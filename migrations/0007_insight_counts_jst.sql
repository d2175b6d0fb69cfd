-- The month and quarter buckets of insight_counts move from UTC to Japan time (internal/insight/cube.go,
-- bucketZone), so that a fiscal year, a month or a quarter as a Japanese tenant counts it (from midnight
-- JST) is whole buckets and the counts answer it; in UTC every such period started at 15:00 the day
-- before, so no period filter was ever covered and every report under one scanned its source.
-- The counts are derived data: the table is made again empty, and the compactor's next pass rebuilds
-- every kind (reports scan their sources until it has).
DROP TABLE IF EXISTS insight_counts;

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
