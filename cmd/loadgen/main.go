// Command loadgen measures the alumni survey form over HTTP on loopback: concurrent clients open the forms
// of many distinct invitations (a GET, which also hands out the CSRF token) and submit them (a POST), and
// it reports requests per second and latency percentiles for both. It runs the real server in process,
// against a throwaway ClickHouse database, once with the group-commit answer writer and once with the
// naive one (one INSERT per submission), so the two are measured in the same run on the same machine.
//
//	go run ./cmd/loadgen -c 50 -n 10000
//
// ClickHouse is reached as the application reaches it (ALUMNIPULSE_CLICKHOUSE_*); the database
// loadgen_<time> is created and dropped afterwards (-keep keeps it). The rate limits of the survey pages
// are off: every client comes from 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

const tenantID = "loadgen"

type options struct {
	clients  int
	n        int
	duration time.Duration
	writers  []string
	profile  string
	keep     bool
	chPID    int
}

func main() {
	var o options
	var writers string
	flag.IntVar(&o.clients, "c", 50, "concurrent clients")
	flag.IntVar(&o.n, "n", 10000, "submissions (distinct invitations) per writer")
	flag.DurationVar(&o.duration, "duration", time.Minute, "longest a phase may run; it stops early when reached")
	flag.StringVar(&writers, "writer", "group,naive", "answer writers to measure, in order: group, naive or both")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the process during each submit phase to PREFIX-<writer>.prof")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.IntVar(&o.chPID, "ch-pid", 0, "pid of the ClickHouse server, to report its CPU use")
	flag.Parse()
	o.writers = strings.Split(writers, ",")
	for _, w := range o.writers {
		if w != "group" && w != "naive" {
			fmt.Fprintf(os.Stderr, "loadgen: unknown writer %q\n", w)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// switchWriter lets the run move the server from one writer to the other.
type switchWriter struct {
	w     *answer.Writer
	naive atomic.Bool
}

func (s *switchWriter) Write(ctx context.Context, sub answer.Submission) error {
	if s.naive.Load() {
		return s.w.WriteNaive(ctx, sub)
	}
	return s.w.Write(ctx, sub)
}

func (s *switchWriter) LatestOf(ctx context.Context, tenantID string, sv *survey.Survey, responseID uuid.UUID) (map[string]answer.Row, error) {
	return s.w.LatestOf(ctx, tenantID, sv, responseID)
}

func run(ctx context.Context, o options) error {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env[config.Prefix+"CLICKHOUSE_DATABASE"] = fmt.Sprintf("loadgen_%d", time.Now().Unix())
	env[config.Prefix+"CLICKHOUSE_MAX_OPEN_CONNS"] = strconv.Itoa(max(16, o.clients))
	env[config.Prefix+"HTTP_ADDR"] = "127.0.0.1:0"
	if env[config.Prefix+"SECRET"] == "" && env[config.Prefix+"SECRET_FILE"] == "" {
		env[config.Prefix+"SECRET"] = "loadgen-secret-" + uuid.NewString()
	}
	cfg, err := config.LoadFrom(env)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if !o.keep {
			if err := a.Conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS `"+cfg.ClickHouse.Database+"`"); err != nil {
				fmt.Fprintln(os.Stderr, "loadgen: drop database:", err)
			}
		}
		a.Close()
	}()
	if _, err := a.Migrate(ctx); err != nil {
		return err
	}

	total := o.n * len(o.writers)
	fmt.Printf("preparing %d alumni, invitations and links in database %s…\n", total, cfg.ClickHouse.Database)
	start := time.Now()
	tokens, err := prepare(ctx, a, total)
	if err != nil {
		return err
	}
	fmt.Printf("prepared in %s\n\n", time.Since(start).Round(time.Millisecond))

	sw := &switchWriter{w: a.Answers}
	deps := a.WebDeps()
	deps.Survey.Answers = sw
	deps.Survey.Limits.Off = true
	srv, err := web.New(cfg, deps, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	fmt.Printf("%d clients on %s, %d CPUs; server, clients and ClickHouse share them\n", o.clients, base, numCPU())
	results := map[string]phaseResult{}
	for i, w := range o.writers {
		sw.naive.Store(w == "naive")
		mine := tokens[i*o.n : (i+1)*o.n]
		before := a.Answers.Stats()
		open := phase(ctx, o, "open (GET)", mine, func(c *client, tok string) error { return c.open(base, tok) }, nil)
		var prof *os.File
		if o.profile != "" {
			if prof, err = os.Create(o.profile + "-" + w + ".prof"); err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(prof); err != nil {
				return err
			}
		}
		submit := phase(ctx, o, "submit (POST)", mine, func(c *client, tok string) error { return c.submit(base, tok) }, open.clients)
		if prof != nil {
			pprof.StopCPUProfile()
			prof.Close()
		}
		after := a.Answers.Stats()
		fmt.Printf("\n== writer %s ==\n", w)
		open.print()
		submit.print()
		if w == "group" {
			b := after.Batches - before.Batches
			if b > 0 {
				fmt.Printf("  group commit: %d INSERTs for %d submissions (%.1f per INSERT), %d failed\n",
					b, after.Submissions-before.Submissions, float64(after.Submissions-before.Submissions)/float64(b), after.Failed-before.Failed)
			}
		} else {
			fmt.Printf("  naive: one INSERT per submission\n")
		}
		results[w] = submit
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if g, n := results["group"], results["naive"]; g.ok > 0 && n.ok > 0 {
		fmt.Printf("\ngroup commit / naive: %.1f× the submissions per second; p99 %s vs %s\n",
			g.rate()/n.rate(), g.pct(99), n.pct(99))
	}
	var stored uint64
	if err := a.Conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM answers WHERE tenant_id = ?", tenantID).Scan(&stored); err != nil {
		return err
	}
	var ok int
	for _, r := range results {
		ok += r.ok
	}
	fmt.Printf("stored responses: %d (submissions answered 303: %d)\n", stored, ok)
	if int(stored) != ok {
		return fmt.Errorf("%d responses stored for %d acknowledged submissions", stored, ok)
	}
	return nil
}

// prepare creates the tenant, n alumni, one invitation each, and their links.
func prepare(ctx context.Context, a *app.App, n int) ([]string, error) {
	if err := a.Tenants.Put(ctx, tenant.Tenant{ID: tenantID, Name: "ロードテスト株式会社", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
		return nil, err
	}
	recs := demo.Alumni(1, n, time.Now())
	if _, err := a.Alumni.Import(ctx, tenantID, func() (alumni.Source, error) { return &records{recs: recs}, nil },
		alumni.ImportOptions{}); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	invs := make([]invite.Invitation, n)
	for i, r := range recs {
		id := a.Alumni.AlumnusID(tenantID, r.EmployeeCode)
		invs[i] = invite.Invitation{TenantID: tenantID, ID: a.Invites.ID(tenantID, id, "alumni-3m", "3m"), AlumnusID: id,
			SurveyID: "alumni-3m", Wave: "3m", Locale: "ja", DueAt: now, ClosesAt: now.Add(28 * 24 * time.Hour), CreatedAt: now}
	}
	for chunk := range slices.Chunk(invs, 10_000) {
		if err := a.Invites.PutBatch(ctx, chunk); err != nil {
			return nil, err
		}
	}
	tokens := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				tok, err := a.Invites.Token(ctx, invs[i])
				if err != nil {
					errs <- err
					return
				}
				tokens[i] = tok
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return tokens, nil
}

// records is an alumni.Source over generated records.
type records struct {
	recs []alumni.Record
	i    int
}

func (r *records) Next() (alumni.Record, []alumni.RowError, error) {
	if r.i == len(r.recs) {
		return alumni.Record{}, nil, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil, nil
}

func (r *records) BytesRead() int64 { return int64(r.i) }

// client is one simulated browser: its own cookies (the CSRF nonce), and the CSRF tokens of the forms
// it opened.
type client struct {
	http *http.Client
	csrf map[string]string
	rng  *rand.Rand
}

func newClient(tr *http.Transport, seed uint64) *client {
	jar, _ := cookiejar.New(nil)
	return &client{
		http: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		csrf: map[string]string{},
		rng:  rand.New(rand.NewPCG(seed, 42)),
	}
}

// errNotOpened skips a submission whose form the open phase did not reach in its time.
var errNotOpened = errors.New("form was not opened")

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) open(base, token string) error {
	resp, err := c.http.Get(base + "/s/" + token)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET form: %d", resp.StatusCode)
	}
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return errors.New("GET form: no csrf field")
	}
	c.csrf[token] = string(m[1])
	return nil
}

var comments = []string{
	"評価の基準がもっと分かりやすければ、残っていたかもしれません。",
	"上司との1on1は本当に助かりました。チームの雰囲気も良かったです。",
	"残業が多く、家族との時間が取れなかったのが一番の理由です。",
	"新しい職場ではリモートワークが選べるので、働き方の柔軟性は大きな違いです。",
}

func (c *client) submit(base, token string) error {
	csrf, ok := c.csrf[token]
	if !ok {
		return errNotOpened
	}
	r := c.rng
	form := url.Values{
		"csrf":                 {csrf},
		"would_recommend":      {strconv.Itoa(r.IntN(11))},
		"return_intent":        {strconv.Itoa(1 + r.IntN(5))},
		"true_reason":          {[]string{"compensation", "growth", "manager", "workload", "personal"}[r.IntN(5)]},
		"hindsight_pay":        {strconv.Itoa(1 + r.IntN(5))},
		"hindsight_manager":    {strconv.Itoa(1 + r.IntN(5))},
		"hindsight_growth":     {strconv.Itoa(1 + r.IntN(5))},
		"new_job_comparison":   {"better"},
		"new_job_better_in":    {"growth", "flexibility"},
		"could_have_kept":      {"maybe"},
		"what_would_have_kept": {"もう少し早くキャリアの相談ができていれば。"},
		"alumni_interest":      {"network", "events"},
		"improve":              {comments[r.IntN(len(comments))]},
	}
	resp, err := c.http.PostForm(base+"/s/"+token, form)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("POST form: %d", resp.StatusCode)
	}
	return nil
}

type phaseResult struct {
	name      string
	ok, fail  int
	firstErr  error
	elapsed   time.Duration
	latencies []time.Duration
	clients   []*client
	cpu       cpuUse
}

func (r phaseResult) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r phaseResult) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p / 100)
	return r.latencies[i].Round(100 * time.Microsecond)
}

func (r phaseResult) print() {
	fmt.Printf("  %-14s %6d ok %4d failed in %6.2fs: %7.0f/s  p50 %-8s p99 %-8s max %s\n", r.name, r.ok, r.fail,
		r.elapsed.Seconds(), r.rate(), r.pct(50), r.pct(99), r.pct(100))
	fmt.Printf("  %-14s CPU: this process %.2f of %d cores, whole machine %.0f%% busy%s\n", "", r.cpu.self,
		numCPU(), 100*r.cpu.machine, r.cpu.chText())
	if r.firstErr != nil {
		fmt.Printf("  %-14s first error: %v\n", "", r.firstErr)
	}
}

// phase runs fn over the tokens with o.clients workers, each taking its share of the tokens, until all are
// done or o.duration has passed. clients, when given, are reused (they hold the cookies and CSRF tokens).
func phase(ctx context.Context, o options, name string, tokens []string, fn func(*client, string) error, clients []*client) phaseResult {
	if clients == nil {
		tr := &http.Transport{MaxIdleConns: o.clients * 2, MaxIdleConnsPerHost: o.clients * 2, IdleConnTimeout: time.Minute}
		for i := range o.clients {
			clients = append(clients, newClient(tr, uint64(i)))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var (
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, len(tokens))
		ok, fail int
		firstErr error
		wg       sync.WaitGroup
	)
	cpu := startCPU(o.chPID)
	start := time.Now()
	for w, c := range clients {
		wg.Go(func() {
			mine := make([]time.Duration, 0, len(tokens)/len(clients)+1)
			var good, bad int
			var ferr error
			for i := w; i < len(tokens) && ctx.Err() == nil; i += len(clients) {
				t0 := time.Now()
				err := fn(c, tokens[i])
				if errors.Is(err, errNotOpened) {
					continue
				}
				if err != nil {
					bad++
					if ferr == nil {
						ferr = err
					}
					continue
				}
				mine = append(mine, time.Since(t0))
				good++
			}
			mu.Lock()
			lat = append(lat, mine...)
			ok, fail = ok+good, fail+bad
			if firstErr == nil {
				firstErr = ferr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return phaseResult{name: name, ok: ok, fail: fail, firstErr: firstErr, elapsed: elapsed, latencies: lat,
		clients: clients, cpu: cpu.stop()}
}
