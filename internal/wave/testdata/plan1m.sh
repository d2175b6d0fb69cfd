#!/usr/bin/env bash
# Planning benchmark: 1,000,000 alumni (exits over the last three years) in a throwaway database, with
# the invitation history a running system would have (3m and 6m invitations sent, reminders, answers,
# closings: ~1.6M invitations, ~10M events), then `waves plan --dry-run --summary-only` under
# /usr/bin/time -v. Usage: internal/wave/testdata/plan1m.sh [BIN] [--no-history]
set -euo pipefail
BIN=${1:-bin/alumnipulse}
DB=bench_waves_1m
PORT=${CH_PORT:-19000}
ch() { clickhouse-client --port "$PORT" -d "$DB" "$@"; }
export ALUMNIPULSE_CLICKHOUSE_ADDR=127.0.0.1:$PORT ALUMNIPULSE_CLICKHOUSE_DATABASE=$DB
export ALUMNIPULSE_SECRET=${ALUMNIPULSE_SECRET:-benchmark-secret-benchmark-secret-benchmark}
export ALUMNIPULSE_LOG_LEVEL=warn
clickhouse-client --port "$PORT" -q "DROP DATABASE IF EXISTS $DB"
"$BIN" migrate >/dev/null
"$BIN" tenant create bench --name Bench >/dev/null
time ch -q "
INSERT INTO alumni (tenant_id, alumnus_id, employee_code, department, job_family, grade, gender, hire_date, exit_date,
    exit_type, exit_reason, exit_reason_text, regrettable, rehire_eligible, locale, consent, has_email, source_hash,
    imported_at, updated_at, version)
SELECT 'bench', generateUUIDv4(), concat('E', toString(number)), 'Sales', 'engineering', 'G3', 'unknown',
    toDate('2015-04-01'), toDate('2023-11-22') + (cityHash64(number) % 1096), 'voluntary', 'growth', '', 0, 1,
    if(number % 10 = 0, 'en', 'ja'), toUInt8(number % 20 != 0), toUInt8(number % 50 != 0), number, now(), now(), 1
FROM numbers(1000000)"
ch -q "INSERT INTO alumni_events (tenant_id, alumnus_id, event, at, detail)
SELECT tenant_id, alumnus_id, 'opted_out', now(), '' FROM alumni WHERE tenant_id = 'bench' AND cityHash64(employee_code) % 50 = 0"
if [[ "${2:-}" != "--no-history" ]]; then
time ch -q "
INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale, due_at, closes_at, created_at, version)
SELECT tenant_id, generateUUIDv4(), alumnus_id, concat('alumni-', toString(m), 'm'), concat(toString(m), 'm'), locale,
    toDateTime(addMonths(exit_date, m)) + 3600, toDateTime(addMonths(exit_date, m)) + 3600 + 28 * 86400, now(), 1
FROM (SELECT tenant_id, alumnus_id, locale, exit_date, arrayJoin([3, 6]) AS m
      FROM alumni WHERE tenant_id = 'bench' AND consent = 1 AND has_email = 1)
WHERE addMonths(exit_date, m) < today() - 1"
time ch -q "
INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)
SELECT tenant_id, invitation_id, survey_id, wave, tupleElement(e, 1), tupleElement(e, 2), due_at + tupleElement(e, 3), ''
FROM (SELECT tenant_id, invitation_id, survey_id, wave, due_at, arrayJoin(if(cityHash64(toString(invitation_id)) % 10 < 3,
        [('planned', 0, toUInt32(0)), ('sending', 0, 1), ('sent', 0, 2), ('opened', 0, 3600), ('submitted', 0, 7200)],
        [('planned', 0, 0), ('sending', 0, 1), ('sent', 0, 2), ('reminding', 1, 604800), ('reminded', 1, 604801),
         ('reminding', 2, 1209600), ('reminded', 2, 1209601), ('expired', 0, 2419200)])) AS e
      FROM invitations WHERE tenant_id = 'bench')"
fi
ch -q "SELECT 'alumni', count() FROM alumni UNION ALL SELECT 'invitations', count() FROM invitations UNION ALL SELECT 'events', count() FROM invitation_events"
/usr/bin/time -v "$BIN" waves plan --tenant bench --dry-run --summary-only 2> time.txt
grep -E "Elapsed|Maximum resident" time.txt
rm -f time.txt
