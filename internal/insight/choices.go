package insight

import (
	"context"
	"fmt"
	"slices"

	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// choiceColumns are the single-choice answers the pivot keeps, by the metric their question carries.
var choiceColumns = map[string]string{
	survey.MetricRetainable: "retainable",
	survey.MetricViewChange: "view_change",
}

// ChoiceCounts counts the answers to the single-choice question tagged with metric (survey.MetricRetainable,
// survey.MetricViewChange) among the current responses matching f, by one dimension ("" for none):
// group → choice code → people. They are raw counts for a caller that protects what it publishes; they
// come from the pivot (one row per response, its latest version) rather than the answers table, which
// would need FINAL over every answer of the question.
func (s *Service) ChoiceCounts(ctx context.Context, tenantID string, f Filter, metric string, by Dim) (map[string]map[string]int, error) {
	col, ok := choiceColumns[metric]
	if !ok {
		return nil, &ValidationError{"metric", fmt.Sprintf("want %s or %s, got %q", survey.MetricRetainable, survey.MetricViewChange, metric)}
	}
	if by != "" && !slices.Contains(Dims, by) {
		return nil, &ValidationError{"by", fmt.Sprintf("unknown dimension %q", by)}
	}
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return nil, err
	}
	// The responses newer than the watermark stay in the SQL (pivotRows adds them): a handful of rows.
	rowsSQL, rowsArgs := s.pivotRows(tenantID, st.w, columns(f, "submitted_at", col, byCol(by)), f.conds("submitted_at")...)
	q := &sqlb{}
	q.add("SELECT "+byExpr(by)+" AS g, "+col+" AS c, count() FROM ("+rowsSQL+") WHERE c != '' GROUP BY g, c", rowsArgs...)
	out := map[string]map[string]int{}
	err = query(ctx, s.conn, "read "+metric+" answers", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g, c string
		var n uint64
		if err := r.Scan(&g, &c, &n); err != nil {
			return err
		}
		if out[g] == nil {
			out[g] = map[string]int{}
		}
		out[g][c] += int(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
