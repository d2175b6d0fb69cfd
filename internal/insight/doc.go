// Package insight computes alumnipulse's insight figures from ClickHouse: the response funnel, alumni
// eNPS and return intent, the candour gap, change from the first to the second wave, drivers, themes
// and the human-capital figures and disclosure export. Every method of Service returns a typed,
// JSON-tagged report for one tenant; the HTTP handlers (internal/web/insight_api.go) and the dashboards
// call them directly.
//
// # Confidentiality
//
// No figure rests on fewer people than the tenant's minimum group (tenant.Settings.MinGroupSize,
// default 5). A suppressed cell is marked "suppressed": true with a null n and no figures. Three rules
// apply, in protect:
//
//   - primary: a group below the minimum is hidden;
//   - complementary (suppress.Table): a breakdown publishes its total, so when one group is hidden a
//     second one is too, enough that subtracting the published groups from the total reveals nothing
//     smaller than the minimum;
//   - differencing (suppress.Compare): a figure under a filter is refused when the same figure without
//     one of the filter's restrictions (its "parent", which the API would also publish) differs from it
//     by 1 to min − 1 people — "voluntary leavers in sales" against "sales" would otherwise reveal the
//     few non-voluntary ones. Groups compared with the rest of the total obey the same rule.
//
// The counts under each parent filter come from the same query (countIf per parent), so the checks
// cost no extra pass.
//
// # Reading edited data fast
//
// answers (and text_analyses and alumni) are ReplacingMergeTrees: a later version replaces an earlier
// one, but only when the server merges parts, so a query must keep the latest version itself. Doing
// that at query time (argMax … GROUP BY response_id, or FINAL) builds a hash table of every response on
// every request: 300–600 ms of CPU at a million responses, over budget before any statistics. The
// answers table's order (tenant, question, survey, response) serves single-question reads well, but
// every report here needs several answers of one response (drivers, change) or of one person (pairs
// across waves), which in that layout is a pivot by response over millions of rows.
//
// So the work is split by age, with a watermark W per source (insight_watermarks):
//
//   - response_facts, filled by a materialized view from every INSERT into answers, holds one row per
//     stored submission (a response version) with its numeric and single-choice answers as arrays
//     keyed by cityHash64(question_id). It is an append-only table; the view sees each submission whole
//     because the answer writer stores a batch as one block.
//   - A compactor pass (Compact; started by queries at most once a minute, or by `alumnipulse insight
//     compact`) takes W′ = now − Margin and, for every alumnus with a submission in (W, W′], writes all of
//     that alumnus's responses at their latest version up to W′ into response_pivot under gen = W′:
//     one row per response with the metrics in fixed columns (looked up by metric and driver tag in the
//     survey catalog) and the same person's previous response beside it. The rows of older gens of those
//     alumni are listed in insight_superseded. invitation_funnel is built the same way from
//     invitation_events (one row per invitation with a bit per kind of event); for text_analyses and
//     alumni, which already have one row per version, the pass lists the versions a later one replaced.
//     Only then is W′ stored.
//   - A query reads W once, then the compacted rows with gen ≤ W minus the superseded keys with gen ≤ W
//     (a NOT IN against a set the size of the edits, not of the data), and works out on the fly only
//     what is newer than W: the responses of the alumni with a newer submission (found through the
//     version-month partition and read through the alumnus order of response_facts), the invitations
//     with newer events (their compacted stages OR the new events' bits: stages only grow), and for
//     text and alumni the newest version of the keys written since W.
//
// Correctness under edits: a row is in exactly one of "compacted and current", "superseded" or
// "newer than W", so every response counts once, at its last submission. A pass becomes visible
// atomically when W′ is stored; a pass that fails leaves rows of a gen above W that no query reads, and
// the next pass supersedes them. The margin covers writes stamped before W′ but stored after the pass
// read the data (the answer writer stamps versions from its clock and stores within its insert
// timeout); clocks of several writers must agree to within it. A lease in schema_lock keeps concurrent
// passes apart.
//
// Statistics that would need one value per person (Wilcoxon, Spearman, Kaplan–Meier) are computed from
// counts the database returns (joint distributions, durations in days), with the same formulas as
// internal/stats, which the tests check on the expanded data.
package insight
