package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/insight"
)

// InsightService is what the insight handlers need; *insight.Service implements it.
type InsightService interface {
	Location(ctx context.Context, tenantID string) (*time.Location, error)
	Funnel(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.FunnelReport, error)
	ENPS(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error)
	ReturnIntent(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error)
	CandourGap(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.CandourReport, error)
	Change(ctx context.Context, tenantID string, f insight.Filter) (insight.ChangeReport, error)
	Drivers(ctx context.Context, tenantID string, f insight.Filter) (insight.DriversReport, error)
	Themes(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ThemesReport, error)
	HumanCapital(ctx context.Context, tenantID string, fy int, department string) (insight.HumanCapitalReport, error)
	ExportDisclosure(ctx context.Context, tenantID, actor string, fy int, format string, w io.Writer) error
	ImportHeadcounts(ctx context.Context, tenantID, actor string, hs []insight.Headcount) (int, error)
	RecordHire(ctx context.Context, tenantID, actor string, alumnusID uuid.UUID, kind insight.HireKind, on time.Time) error
}

var _ InsightService = (*insight.Service)(nil)

// insightRoutes registers the insight API on an authenticated group (API keys under /api/v1; the same
// for sessions). Every figure is an aggregate with small groups suppressed, so every role may read them;
// only HR admins write headcounts and hires.
func (s *Server) insightRoutes(g *gin.RouterGroup) {
	read := s.requireRole(allRoles...)
	g.GET("/insights/funnel", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, by insight.Dim) (any, error) {
		if c.Query("by") == "" {
			by = insight.DimWave
		}
		return s.deps.Insight.Funnel(c.Request.Context(), t, f, by)
	}))
	g.GET("/insights/enps", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, by insight.Dim) (any, error) {
		return s.deps.Insight.ENPS(c.Request.Context(), t, f, by)
	}))
	g.GET("/insights/return-intent", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, by insight.Dim) (any, error) {
		return s.deps.Insight.ReturnIntent(c.Request.Context(), t, f, by)
	}))
	g.GET("/insights/candour-gap", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, by insight.Dim) (any, error) {
		return s.deps.Insight.CandourGap(c.Request.Context(), t, f, by)
	}))
	g.GET("/insights/change", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, _ insight.Dim) (any, error) {
		return s.deps.Insight.Change(c.Request.Context(), t, f)
	}))
	g.GET("/insights/drivers", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, _ insight.Dim) (any, error) {
		return s.deps.Insight.Drivers(c.Request.Context(), t, f)
	}))
	g.GET("/insights/themes", read, s.insightFiltered(func(c *gin.Context, t string, f insight.Filter, by insight.Dim) (any, error) {
		return s.deps.Insight.Themes(c.Request.Context(), t, f, by)
	}))
	g.GET("/insights/human-capital", read, s.humanCapital)
	g.GET("/disclosure", read, s.disclosure)
	g.POST("/headcounts", s.requireRole(roleAdmin), s.headcountImport)
	g.POST("/alumni/:code/hires", s.requireRole(roleAdmin), s.hireRecord)
}

// insightFiltered parses the common query parameters (filters and by) and renders the report.
func (s *Server) insightFiltered(run func(c *gin.Context, tenantID string, f insight.Filter, by insight.Dim) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		tenantID := tenantOf(c)
		loc, err := s.deps.Insight.Location(c.Request.Context(), tenantID)
		if err != nil {
			s.insightError(c, err)
			return
		}
		f, err := insight.ParseFilter(c.Request.URL.Query(), loc)
		if err != nil {
			s.insightError(c, err)
			return
		}
		dims, err := insight.ParseBy(c.Query("by"), 1)
		if err != nil {
			s.insightError(c, err)
			return
		}
		var by insight.Dim
		if len(dims) == 1 {
			by = dims[0]
		}
		rep, err := run(c, tenantID, f, by)
		if err != nil {
			s.insightError(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
	}
}

// fiscalYear reads ?fy=, defaulting to the fiscal year before the current one (the last complete year).
func fiscalYear(c *gin.Context) (int, error) {
	v := c.Query("fy")
	if v == "" {
		now := time.Now()
		fy := now.Year() - 1
		if now.Month() < time.April {
			fy--
		}
		return fy, nil
	}
	fy, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(v), "FY"))
	if err != nil || fy < 1971 || fy > 2100 {
		return 0, &insight.ValidationError{Param: "fy", Msg: "want a year such as 2025"}
	}
	return fy, nil
}

func (s *Server) humanCapital(c *gin.Context) {
	fy, err := fiscalYear(c)
	if err != nil {
		s.insightError(c, err)
		return
	}
	rep, err := s.deps.Insight.HumanCapital(c.Request.Context(), tenantOf(c), fy, strings.TrimSpace(c.Query("department")))
	if err != nil {
		s.insightError(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// disclosure exports the human-capital figures of a fiscal year as a file (audited by the service).
func (s *Server) disclosure(c *gin.Context) {
	fy, err := fiscalYear(c)
	if err != nil {
		s.insightError(c, err)
		return
	}
	format := c.DefaultQuery("format", insight.FormatJSON)
	ct, err := insight.ContentType(format)
	if err != nil {
		s.insightError(c, err)
		return
	}
	// Render to memory first: an error half-way must not leave a truncated file with a 200.
	var buf strings.Builder
	if err := s.deps.Insight.ExportDisclosure(c.Request.Context(), tenantOf(c), actorOf(c), fy, format, &buf); err != nil {
		s.insightError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="disclosure-FY%d.%s"`, fy, format))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, ct, []byte(buf.String()))
}

// maxHeadcountBytes bounds a headcount upload.
const maxHeadcountBytes = 16 << 20

// headcountImport accepts headcounts as CSV (text/csv: period, department, headcount) or a JSON array.
func (s *Server) headcountImport(c *gin.Context) {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxHeadcountBytes)
	var hs []insight.Headcount
	var err error
	switch c.ContentType() {
	case "application/json":
		hs, err = insight.ParseHeadcountsJSON(body)
	case "text/csv", "application/octet-stream":
		hs, err = insight.ParseHeadcountsCSV(body)
	default:
		abortJSON(c, http.StatusUnsupportedMediaType, "send text/csv or application/json")
		return
	}
	if err != nil {
		s.insightError(c, err)
		return
	}
	n, err := s.deps.Insight.ImportHeadcounts(c.Request.Context(), tenantOf(c), actorOf(c), hs)
	if err != nil {
		s.insightError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": n})
}

// hireRecord records that an alumnus was rehired or referred someone who was hired:
// {"kind": "rehired" | "referral", "date": "2025-10-01"}.
func (s *Server) hireRecord(c *gin.Context) {
	var req struct {
		Kind string `json:"kind"`
		Date string `json:"date"`
	}
	if err := c.ShouldBindJSON(&req); err != nil {
		abortJSON(c, http.StatusBadRequest, "want {\"kind\": \"rehired\" or \"referral\", \"date\": \"YYYY-MM-DD\"}")
		return
	}
	on, err := time.Parse(time.DateOnly, req.Date)
	if err != nil {
		s.insightError(c, &insight.ValidationError{Param: "date", Msg: "want YYYY-MM-DD"})
		return
	}
	a, err := s.deps.Alumni.Get(c.Request.Context(), tenantOf(c), c.Param("code"))
	if err != nil {
		s.insightError(c, err)
		return
	}
	if err := s.deps.Insight.RecordHire(c.Request.Context(), tenantOf(c), actorOf(c), a.ID, insight.HireKind(req.Kind), on); err != nil {
		s.insightError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recorded": req.Kind, "date": req.Date})
}

// insightError maps the insight service's errors to statuses.
func (s *Server) insightError(c *gin.Context, err error) {
	var ve *insight.ValidationError
	switch {
	case errors.As(err, &ve):
		abortJSON(c, http.StatusBadRequest, ve.Error())
	case errors.Is(err, alumni.ErrNotFound), errors.Is(err, alumni.ErrErased):
		abortJSON(c, http.StatusNotFound, "no alumnus with that employee code")
	case errors.Is(err, insight.ErrBacklog):
		c.Header("Retry-After", "60")
		abortJSON(c, http.StatusServiceUnavailable, "figures are being brought up to date; try again in a minute")
	default:
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "internal error; it has been logged")
	}
}
