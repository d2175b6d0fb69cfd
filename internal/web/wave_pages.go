package web

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

// WaveService is what the HR wave pages need of the scheduler.
type WaveService interface {
	Overview(ctx context.Context, tenantID string) (wave.Overview, error)
	// Outbox returns the tenant's messages in the development outbox and whether it is in use.
	Outbox(ctx context.Context, tenantID string, limit int) ([]mail.OutboxEntry, bool, error)
}

// waveRoutes registers the HR wave pages and API on g, which must admit HR roles only (API keys now,
// sessions later): mount it under whichever authentication the group carries.
func (s *Server) waveRoutes(g *gin.RouterGroup) {
	g.GET("/hr/waves", s.wavesPage)
	g.GET("/hr/waves/outbox", s.wavesOutboxPage)
	g.GET("/api/v1/waves/summary", s.wavesSummary)
}

// waveStates is the column order of the state table.
var waveStates = []string{"planned", "sending", "sent", "reminding", "reminded", "opened", "submitted",
	"bounced", "failed", "expired", "skipped", "opted_out"}

type waveRow struct {
	Wave   string
	Counts []int
	Total  int
}

// wavesPage shows counts per wave and state, what is due next, and bounces. No names or addresses.
func (s *Server) wavesPage(c *gin.Context) {
	ov, err := s.deps.Waves.Overview(c.Request.Context(), tenantOf(c))
	if err != nil {
		_ = c.Error(err)
		c.String(http.StatusInternalServerError, "could not read the waves; it has been logged")
		return
	}
	loc, err := time.LoadLocation(ov.Zone)
	if err != nil {
		loc = time.UTC
	}
	var rows []waveRow
	for _, st := range ov.States {
		if len(rows) == 0 || rows[len(rows)-1].Wave != st.Wave {
			rows = append(rows, waveRow{Wave: st.Wave, Counts: make([]int, len(waveStates))})
		}
		r := &rows[len(rows)-1]
		for i, name := range waveStates {
			if name == st.State {
				r.Counts[i] = st.Count
			}
		}
		r.Total += st.Count
	}
	_, dev, _ := s.deps.Waves.Outbox(c.Request.Context(), tenantOf(c), 0)
	s.renderWaves(c, "waves", gin.H{"O": ov, "States": waveStates, "Rows": rows, "Loc": loc, "Dev": dev})
}

// wavesOutboxPage lists the development outbox with subjects and recipients. It exists only when no SMTP
// relay is configured, and shows addresses, so it is HR-only like every route of waveRoutes.
func (s *Server) wavesOutboxPage(c *gin.Context) {
	entries, dev, err := s.deps.Waves.Outbox(c.Request.Context(), tenantOf(c), 200)
	if err != nil {
		_ = c.Error(err)
		c.String(http.StatusInternalServerError, "could not read the outbox; it has been logged")
		return
	}
	if !dev {
		c.String(http.StatusNotFound, "no outbox: mail goes out through SMTP")
		return
	}
	s.renderWaves(c, "outbox", gin.H{"Tenant": tenantOf(c), "Entries": entries})
}

// wavesSummary returns the overview as JSON.
func (s *Server) wavesSummary(c *gin.Context) {
	ov, err := s.deps.Waves.Overview(c.Request.Context(), tenantOf(c))
	if err != nil {
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "could not read the waves; it has been logged")
		return
	}
	c.JSON(http.StatusOK, ov)
}

func (s *Server) renderWaves(c *gin.Context, name string, data gin.H) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := wavePageTemplates.ExecuteTemplate(c.Writer, name, data); err != nil {
		_ = c.Error(err)
	}
}

// wavePageTemplates are minimal pages (no inline script or style: the CSP forbids them); the dashboard
// work restyles them.
var wavePageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"local": func(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") },
}).Parse(`
{{define "head"}}<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{{.}}</title></head><body>{{end}}
{{define "waves"}}{{template "head" "Survey waves"}}
<h1>Survey waves — {{.O.Tenant}}</h1>
<p>As of {{local .O.At .Loc}} ({{.O.Zone}}); {{.O.Plan.Alumni}} alumni.{{if .Dev}} <a href="/hr/waves/outbox">Outbox (development)</a>{{end}}</p>
<h2>Invitations by current state</h2>
<table><thead><tr><th>Wave</th>{{range .States}}<th>{{.}}</th>{{end}}<th>total</th></tr></thead><tbody>
{{range .Rows}}<tr><th>{{.Wave}}</th>{{range .Counts}}<td>{{.}}</td>{{end}}<td>{{.Total}}</td></tr>
{{else}}<tr><td colspan="14">No invitations yet.</td></tr>{{end}}
</tbody></table>
<h2>Plan</h2>
<table><thead><tr><th>Wave</th><th>Due now</th><th>Reminders now</th><th>Closing now</th><th>Later</th><th>Late catch-up</th><th>Skipped</th><th>Done</th></tr></thead><tbody>
{{range .O.Plan.Waves}}<tr><th>{{.Wave}}</th><td>{{.Send}}</td><td>{{.Remind}}</td><td>{{.Expire}}</td><td>{{.Later}}</td><td>{{.Late}}</td>
<td>{{range $r, $n := .Skipped}}{{$r}}: {{$n}}<br>{{end}}</td><td>{{range $r, $n := .Done}}{{$r}}: {{$n}}<br>{{end}}</td></tr>{{end}}
</tbody></table>
<h2>Due next</h2>
<table><thead><tr><th>Date</th><th>Wave</th><th>Invitations</th><th>Reminders</th></tr></thead><tbody>
{{range .O.Plan.Upcoming}}<tr><td>{{.Date}}</td><td>{{.Wave}}</td><td>{{.Invitations}}</td><td>{{.Reminders}}</td></tr>
{{else}}<tr><td colspan="4">Nothing due in the next two weeks.</td></tr>{{end}}
</tbody></table>
<h2>Bounces and failures</h2>
<table><thead><tr><th>When</th><th>Wave</th><th>Event</th><th>Mail</th><th>Invitation</th><th>Detail</th></tr></thead><tbody>
{{range .O.Problems}}<tr><td>{{local .At $.Loc}}</td><td>{{.Wave}}</td><td>{{.Event}}</td><td>{{if .Seq}}reminder {{.Seq}}{{else}}invitation{{end}}</td><td>{{.Invitation}}</td><td>{{.Detail}}</td></tr>
{{else}}<tr><td colspan="6">None.</td></tr>{{end}}
</tbody></table>
</body></html>{{end}}
{{define "outbox"}}{{template "head" "Outbox"}}
<h1>Outbox (development) — {{.Tenant}}</h1>
<p>No SMTP relay is configured: mail is written to the outbox folder instead. <a href="/hr/waves">Back to the waves</a></p>
<table><thead><tr><th>Written</th><th>Kind</th><th>To</th><th>Subject</th><th>Invitation</th><th>File</th></tr></thead><tbody>
{{range .Entries}}<tr><td>{{.Time.UTC.Format "2006-01-02 15:04:05"}} UTC</td><td>{{.Kind}}</td><td>{{.To}}</td><td>{{.Subject}}</td><td>{{.InvitationID}}</td><td>{{.File}}</td></tr>
{{else}}<tr><td colspan="6">Empty.</td></tr>{{end}}
</tbody></table>
</body></html>{{end}}
`))
