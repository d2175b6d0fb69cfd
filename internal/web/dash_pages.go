package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// dashTemplateFS holds the dashboard page templates.
//
//go:embed templates/dash
var dashTemplateFS embed.FS

// dashTemplates are parsed once: the layout with each page's content.
type dashTemplates struct {
	page, errorPage *template.Template
}

// dashTmpl parses the embedded templates on first use; they never change after start.
var dashTmpl = sync.OnceValue(parseDashTemplates)

func parseDashTemplates() dashTemplates {
	funcs := template.FuncMap{
		"t":     dashboard.T,
		"asset": dashAsset,
		// jsonOption marks a chart option as safe inside <script type="application/json">: it is encoding/json
		// output (dashboard.ChartOption), where <, >, &, U+2028 and U+2029 are escaped, so no data string can
		// end the element or be read as markup.
		"jsonOption": func(b []byte) template.JS { return template.JS(b) },
		"numeric":    func(num []bool, i int) bool { return i < len(num) && num[i] },
		"cellClass": func(num []bool, i int, c string) string {
			var cls []string
			if i < len(num) && num[i] {
				cls = append(cls, "num")
			}
			if strings.HasPrefix(c, "n<") {
				cls = append(cls, "hidden-cell")
			}
			return strings.Join(cls, " ")
		},
		"figure":   dashboard.FigureValue,
		"interval": dashboard.FigureInterval,
		"change": func(f dashboard.Figure) string {
			if f.Suppressed || math.IsNaN(f.Change) || f.Change == 0 {
				return ""
			}
			// Whether up is good depends on the figure (turnover vs. eNPS), so the change is shown without
			// judgement: an arrow and a signed number.
			s := dashboard.Num(f.Change, f.Decimals) + f.Unit
			if f.Change > 0 {
				return "▲ +" + s
			}
			return "▼ " + s
		},
		"upper": strings.ToUpper,
	}
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(dashTemplateFS, "templates/dash/layout.html"))
	return dashTemplates{
		page:      template.Must(template.Must(layout.Clone()).ParseFS(dashTemplateFS, "templates/dash/page.html")),
		errorPage: template.Must(template.Must(layout.Clone()).ParseFS(dashTemplateFS, "templates/dash/error.html")),
	}
}

// dashData is what the dashboard templates get.
type dashData struct {
	Lang, AltLang, AltLangHref string
	Title                      string
	Who                        string
	CSRF                       string
	Nav                        []dashboard.NavItem
	Charts                     bool
	View                       *dashboard.PageView
	Applied                    []string
	CanExport                  bool
	Formats                    []string
	Message                    string
	query                      url.Values
}

// PageHref links to another dashboard page with the same filters and language.
func (d dashData) PageHref(id string) string {
	q := d.query.Encode()
	if q == "" {
		return "/dash/" + url.PathEscape(id)
	}
	return "/dash/" + url.PathEscape(id) + "?" + q
}

// dashAsset is the URL of a static file (with its content hash, so browsers may cache it for good).
func dashAsset(name string) string { return assetURL(name) }

// dashAssetExists reports whether a static file is in this build.
func dashAssetExists(name string) bool {
	_, err := fs.Stat(staticFS, "static/"+name)
	return err == nil
}

// dashRoutes registers the dashboard pages behind mw (session sign-in, then CSRF protection). Leadership
// may open only the pages whose definition lists it; the comment and sending-operations pages never do.
func (s *Server) dashRoutes(mw ...gin.HandlerFunc) {
	if s.deps.Dashboards == nil {
		return
	}
	dashTmpl()
	if !dashAssetExists("vendor/echarts.min.js") {
		s.log.Warn("internal/web/static/vendor/echarts.min.js is missing from this build: dashboard charts will " +
			"not draw (pages fall back to data tables). Run `make setup` (or .ci/devenv assets) and rebuild.")
	}
	g := s.engine.Group("/dash", mw...)
	g.GET("", func(c *gin.Context) {
		target := "/dash/overview"
		if l := c.Query("lang"); l != "" {
			target += "?lang=" + url.QueryEscape(dashboard.Lang(l))
		}
		c.Redirect(http.StatusSeeOther, target)
	})
	g.GET("/:page", s.dashPage)
	g.POST("/:page/export", s.dashExport)
}

// dashRequest reads who is asking, for what, in which language.
func (s *Server) dashRequest(c *gin.Context, query url.Values) (dashboard.Request, tenant.Tenant, bool) {
	tenantID := tenantOf(c)
	r, _ := c.Get(ctxRole)
	role, _ := r.(tenant.Role)
	if tenantID == "" {
		c.AbortWithStatus(http.StatusUnauthorized)
		return dashboard.Request{}, tenant.Tenant{}, false
	}
	t, err := s.deps.Tenants.Get(c.Request.Context(), tenantID)
	if err != nil {
		_ = c.Error(err)
		s.dashError(c, http.StatusServiceUnavailable, dashboard.Lang(query.Get("lang")), role, "error_unavailable")
		return dashboard.Request{}, tenant.Tenant{}, false
	}
	lang := query.Get("lang")
	if lang == "" {
		lang = t.DefaultLocale
	}
	return dashboard.Request{TenantID: tenantID, Role: role, Page: c.Param("page"), Lang: dashboard.Lang(lang),
		Query: query, Location: t.Location(), Actor: actorOf(c), Settings: t.Settings}, t, true
}

// dashPage renders one dashboard page. A page that lists comments is audited before it is sent; if the
// audit entry cannot be written, the page is not shown.
func (s *Server) dashPage(c *gin.Context) {
	noStore(c)
	req, t, ok := s.dashRequest(c, c.Request.URL.Query())
	if !ok {
		return
	}
	v, err := s.deps.Dashboards.Render(c.Request.Context(), req)
	if err != nil {
		s.dashRenderError(c, err, req)
		return
	}
	if v.ShowsComments {
		if err := s.deps.Audit.Record(c.Request.Context(), audit.Entry{TenantID: req.TenantID, Actor: actorOf(c),
			Action: "comments.view", Target: "dash/" + v.Page.ID, Detail: v.Filters.Key()}); err != nil {
			_ = c.Error(err)
			s.dashError(c, http.StatusServiceUnavailable, v.Lang, req.Role, "error_unavailable")
			return
		}
	}
	d := s.dashBase(c, v.Lang, req.Role, v.Nav, v.Query)
	d.Title, d.View = v.Title, v
	d.CanExport = d.CSRF != ""
	d.Formats = dashboard.Formats
	d.Applied = appliedFilters(v)
	d.Who = t.Name
	if p := authPrincipal(c); p.Name != "" {
		d.Who = p.Name + " · " + t.Name
	}
	for _, p := range v.Panels {
		d.Charts = d.Charts || len(p.Option) > 0
	}
	s.dashRender(c, http.StatusOK, dashTmpl().page, d)
}

// dashExport downloads one exportable panel (the disclosure figures) as CSV, XLSX or JSON. The form is a
// POST with the session's CSRF token; every export is audited before a byte is sent.
func (s *Server) dashExport(c *gin.Context) {
	noStore(c)
	if err := c.Request.ParseForm(); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	req, _, ok := s.dashRequest(c, c.Request.PostForm)
	if !ok {
		return
	}
	format := c.PostForm("format")
	var body bytes.Buffer
	x, err := s.deps.Dashboards.Export(c.Request.Context(), req, c.PostForm("panel"), format, &body)
	switch {
	case errors.Is(err, dashboard.ErrNotExportable):
		s.dashError(c, http.StatusBadRequest, req.Lang, req.Role, "error_format")
		return
	case err != nil:
		s.dashRenderError(c, err, req)
		return
	}
	// The file is sent only once the export is in the audit log (the source may have recorded it itself).
	if !x.Audited {
		if err := s.deps.Audit.Record(c.Request.Context(), audit.Entry{TenantID: req.TenantID, Actor: actorOf(c),
			Action: "export." + format, Target: "dash/" + x.Page + "/" + x.Panel,
			Detail: fmt.Sprintf("%s rows=%d", x.Filters.Key(), x.Rows)}); err != nil {
			_ = c.Error(err)
			s.dashError(c, http.StatusServiceUnavailable, req.Lang, req.Role, "error_unavailable")
			return
		}
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, x.Filename))
	c.Data(http.StatusOK, dashboard.ContentType(format), body.Bytes())
}

func (s *Server) dashRenderError(c *gin.Context, err error, req dashboard.Request) {
	switch {
	case errors.Is(err, dashboard.ErrNoPage):
		s.dashError(c, http.StatusNotFound, req.Lang, req.Role, "error_not_found")
	case errors.Is(err, dashboard.ErrForbidden):
		s.dashError(c, http.StatusForbidden, req.Lang, req.Role, "error_forbidden")
	default:
		_ = c.Error(err)
		s.dashError(c, http.StatusServiceUnavailable, req.Lang, req.Role, "error_unavailable")
	}
}

// dashBase fills what every dashboard template needs.
func (s *Server) dashBase(c *gin.Context, lang string, role tenant.Role, nav []dashboard.NavItem, q url.Values) dashData {
	alt := "en"
	if lang == "en" {
		alt = "ja"
	}
	if q == nil {
		q = url.Values{}
	}
	q = cloneValues(q)
	q.Set("lang", lang)
	altQ := cloneValues(q)
	altQ.Set("lang", alt)
	return dashData{Lang: lang, AltLang: alt, AltLangHref: c.Request.URL.Path + "?" + altQ.Encode(),
		CSRF: csrfToken(c), Nav: nav, query: q, Formats: dashboard.Formats}
}

func (s *Server) dashError(c *gin.Context, status int, lang string, role tenant.Role, key string) {
	var nav []dashboard.NavItem
	if s.deps.Dashboards != nil && role != "" {
		for _, p := range s.deps.Dashboards.Catalog().For(role) {
			nav = append(nav, dashboard.NavItem{ID: p.ID, Title: p.Title.In(lang)})
		}
	}
	d := s.dashBase(c, lang, role, nav, nil)
	d.Title = dashboard.T(lang, key+"_title")
	d.Message = dashboard.T(lang, key)
	s.dashRender(c, status, dashTmpl().errorPage, d)
	c.Abort()
}

func (s *Server) dashRender(c *gin.Context, status int, tmpl *template.Template, d dashData) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "layout", d); err != nil {
		_ = c.Error(fmt.Errorf("render dashboard: %w", err))
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}

// appliedFilters lists the filters in effect, in words, above the panels.
func appliedFilters(v *dashboard.PageView) []string {
	var out []string
	for _, f := range v.Form {
		if f.Value == "" {
			continue
		}
		for _, ch := range f.Choices {
			if ch.Value == f.Value {
				out = append(out, f.Label+": "+ch.Label)
			}
		}
	}
	return out
}

// noStore keeps dashboard pages and exports out of every cache: they carry a tenant's figures.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Vary", "Cookie")
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
