package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

// errNoScheduler is returned when the build has no wave scheduler.
var errNoScheduler = errors.New("no wave scheduler")

// states are the invitation states the waves table shows, in the order an invitation goes through them.
var states = []string{"planned", "sent", "reminded", "opened", "submitted", "bounced", "failed", "expired", "opted_out"}

var stateLabels = map[string][2]string{
	"planned": {"予定", "Planned"}, "sent": {"送信済", "Sent"}, "reminded": {"リマインド済", "Reminded"},
	"opened": {"開封", "Opened"}, "submitted": {"回答", "Answered"}, "bounced": {"不達", "Bounced"},
	"failed": {"失敗", "Failed"}, "expired": {"期限切れ", "Expired"}, "opted_out": {"配信停止", "Opted out"},
}

// delivered states: the invitation reached the person.
var delivered = map[string]bool{"sent": true, "reminded": true, "opened": true, "submitted": true, "expired": true}

func label(lang, ja, en string) string {
	if lang == "en" {
		return en
	}
	return ja
}

func (s *Source) overview(ctx context.Context, tenantID string) (wave.Overview, error) {
	if s.d.Waves == nil {
		return wave.Overview{}, errNoScheduler
	}
	ov, err := s.d.Waves.Overview(ctx, tenantID)
	if err != nil {
		return wave.Overview{}, fmt.Errorf("wave overview: %w", err)
	}
	if ov.Tenant != "" && ov.Tenant != tenantID {
		return wave.Overview{}, fmt.Errorf("wave overview for %q answered for %q", tenantID, ov.Tenant)
	}
	return ov, nil
}

// waves is one row per wave: invitations by current state, what is due now and later, and the response
// rate (answered / delivered).
func (s *Source) waves(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ov, err := s.overview(ctx, q.TenantID)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	t := &dashboard.Table{Columns: []string{label(lang, "ウェーブ", "Wave")}, Numeric: []bool{false}}
	for _, st := range states {
		t.Columns = append(t.Columns, label(lang, stateLabels[st][0], stateLabels[st][1]))
		t.Numeric = append(t.Numeric, true)
	}
	t.Columns = append(t.Columns, label(lang, "送信待ち", "Due now"), label(lang, "今後14日", "Next 14 days"),
		label(lang, "回答率", "Response rate"))
	t.Numeric = append(t.Numeric, true, true, true)

	counts := map[string]map[string]int{}
	var order []string
	for _, sc := range ov.States {
		if q.Filters.Wave != "" && sc.Wave != q.Filters.Wave {
			continue
		}
		if counts[sc.Wave] == nil {
			counts[sc.Wave] = map[string]int{}
			order = append(order, sc.Wave)
		}
		counts[sc.Wave][sc.State] += sc.Count
	}
	later := map[string]int{}
	for _, u := range ov.Plan.Upcoming {
		later[u.Wave] += u.Invitations + u.Reminders
	}
	due := map[string]int{}
	for _, w := range ov.Plan.Waves {
		due[w.Wave] = w.Send + w.Remind
		if counts[w.Wave] == nil && (q.Filters.Wave == "" || w.Wave == q.Filters.Wave) {
			counts[w.Wave] = map[string]int{}
			order = append(order, w.Wave)
		}
	}
	total := 0
	for _, w := range order {
		c := counts[w]
		row := []string{w}
		deliv := 0
		for _, st := range states {
			row = append(row, strconv.Itoa(c[st]))
			total += c[st]
			if delivered[st] {
				deliv += c[st]
			}
		}
		rate := "–"
		if deliv > 0 {
			rate = dashboard.Num(100*float64(c["submitted"])/float64(deliv), 1) + "%"
		}
		row = append(row, strconv.Itoa(due[w]), strconv.Itoa(later[w]), rate)
		t.Rows = append(t.Rows, row)
	}
	return dashboard.Data{N: total, Table: t}, nil
}

// waveUpcoming is the sends due in the next two weeks, per day: invitations and reminders.
func (s *Source) waveUpcoming(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ov, err := s.overview(ctx, q.TenantID)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	var days []string
	inv, rem := map[string]float64{}, map[string]float64{}
	for _, u := range ov.Plan.Upcoming {
		if q.Filters.Wave != "" && u.Wave != q.Filters.Wave {
			continue
		}
		d := u.Date.String()
		if len(days) == 0 || days[len(days)-1] != d {
			days = append(days, d)
		}
		inv[d] += float64(u.Invitations)
		rem[d] += float64(u.Reminders)
	}
	sr := &dashboard.Series{Categories: days, Stacked: true, YName: label(lang, "通", "messages")}
	n := 0
	for _, l := range []struct {
		name string
		m    map[string]float64
	}{{label(lang, "招待", "Invitations"), inv}, {label(lang, "リマインド", "Reminders"), rem}} {
		line := dashboard.Line{Name: l.name}
		for _, d := range days {
			line.Points = append(line.Points, dashboard.Point{Value: l.m[d], Lo: math.NaN(), Hi: math.NaN(), N: int(l.m[d])})
			n += int(l.m[d])
		}
		sr.Lines = append(sr.Lines, line)
	}
	return dashboard.Data{N: n, Series: sr}, nil
}

// addressPattern finds e-mail addresses in delivery errors (a remote server may quote the recipient).
var addressPattern = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"']+`)

// waveProblems lists the latest bounces and failures: wave, what happened, when, and the server's reason
// with any address masked.
func (s *Source) waveProblems(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ov, err := s.overview(ctx, q.TenantID)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	t := &dashboard.Table{Columns: []string{label(lang, "日時", "When"), label(lang, "ウェーブ", "Wave"),
		label(lang, "内容", "What"), label(lang, "理由", "Reason")}}
	for _, p := range ov.Problems {
		if q.Filters.Wave != "" && p.Wave != q.Filters.Wave {
			continue
		}
		what := p.Event
		if l, ok := stateLabels[p.Event]; ok {
			what = label(lang, l[0], l[1])
		}
		t.Rows = append(t.Rows, []string{p.At.In(loc).Format("2006-01-02 15:04"), p.Wave, what,
			addressPattern.ReplaceAllStringFunc(p.Detail, maskAddress)})
		if len(t.Rows) == 10 {
			break
		}
	}
	return dashboard.Data{N: len(t.Rows), Table: t}, nil
}

// outbox lists the tenant's mail in the development outbox (the scheduler keeps only the tenant's own
// invitations); addresses are masked.
func (s *Source) outbox(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	if s.d.Waves == nil {
		return dashboard.Data{}, errNoScheduler
	}
	lang := q.Locale
	t := &dashboard.Table{Columns: []string{label(lang, "日時", "Time"), label(lang, "種類", "Kind"),
		label(lang, "宛先", "To"), label(lang, "件名", "Subject")}}
	entries, inUse, err := s.d.Waves.Outbox(ctx, q.TenantID, 30)
	if err != nil {
		return dashboard.Data{}, fmt.Errorf("outbox: %w", err)
	}
	d := dashboard.Data{Table: t}
	if !inUse {
		d.Note = label(lang, "SMTPサーバーで送信中のため、アウトボックスは使われていません。", "Mail goes out through an SMTP server: the outbox is not in use.")
		t.Rows = [][]string{}
		return d, nil
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, e := range entries {
		t.Rows = append(t.Rows, []string{e.Time.In(loc).Format("2006-01-02 15:04"), string(e.Kind), maskAddress(e.To), e.Subject})
	}
	d.N = len(t.Rows)
	return d, nil
}
