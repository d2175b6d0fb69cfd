package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

const bounceAddr = "bounces@mail.example.jp"

// newTestSender builds a sender for ts with a fake clock, so retries and the rate limit never wait.
func newTestSender(t testing.TB, ts *testServer, mode TLSMode, mutate func(*SMTPConfig)) (*SMTPSender, *fakeClock, *logBuffer) {
	t.Helper()
	cfg := SMTPConfig{
		Host:        ts.host,
		Port:        ts.port,
		TLS:         mode,
		TLSConf:     &tls.Config{RootCAs: ts.roots},
		From:        bounceAddr,
		Helo:        "sender.test",
		PoolSize:    2,
		Timeout:     5 * time.Second,
		MaxAttempts: 4,
		RetryBase:   100 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &logBuffer{}
	s, err := NewSMTP(cfg, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	s.now, s.sleep = clock.now, clock.sleep
	t.Cleanup(func() { s.Close() })
	return s, clock, logs
}

func composeTo(t testing.TB, c *Composer, to, invitation string) *Message {
	t.Helper()
	req := sampleRequest("ja", KindInvitation, "3m", "山田 太郎")
	req.To = to
	req.InvitationID = invitation
	m, err := c.Compose(req)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSMTPDeliversOverEachTLSMode(t *testing.T) {
	cases := []struct {
		mode TLSMode
		auth bool
	}{
		{TLSNone, false},
		{TLSNone, true}, // loopback only
		{TLSStartTLS, true},
		{TLSImplicit, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/auth=%v", tc.mode, tc.auth), func(t *testing.T) {
			be := newBackend()
			if tc.auth {
				be.users = map[string]string{"relay-user": "s3cret"}
			}
			ts := startServer(t, be, tc.mode)
			s, _, _ := newTestSender(t, ts, tc.mode, func(c *SMTPConfig) {
				if tc.auth {
					c.Username, c.Password = "relay-user", "s3cret"
				}
			})
			m := composeTo(t, newTestComposer(t, ComposerConfig{}), "taro.yamada@example.com", "inv-1")
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := be.received()
			if len(got) != 1 {
				t.Fatalf("server received %d messages", len(got))
			}
			r := got[0]
			if r.From != bounceAddr || len(r.To) != 1 || r.To[0] != "taro.yamada@example.com" {
				t.Errorf("envelope from %q to %q", r.From, r.To)
			}
			if wantTLS := tc.mode != TLSNone; r.TLS != wantTLS {
				t.Errorf("received over TLS = %v, want %v", r.TLS, wantTLS)
			}
			if tc.auth && r.User != "relay-user" {
				t.Errorf("authenticated as %q", r.User)
			}
			// What arrived is the composed message, and it still parses as such.
			if !bytes.Equal(bytes.TrimRight(r.Data, "\r\n"), bytes.TrimRight(m.Raw, "\r\n")) {
				t.Error("received data differs from the composed message")
			}
			p := parseMessage(t, r.Data)
			if subj, _ := p.header.Subject(); subj != "【株式会社サンプル】退職後3か月アンケートへのご協力のお願い（所要約5分）" {
				t.Errorf("subject decodes to %q", subj)
			}
			if !containsLine(p.text, testLink) || hrefs(p.html)[0] != testLink {
				t.Error("link lost in transit")
			}
		})
	}
}

func TestSMTPRetriesTransientFailures(t *testing.T) {
	be := newBackend()
	be.tempFail = 2
	ts := startServer(t, be, TLSNone)
	s, clock, logs := newTestSender(t, ts, TLSNone, nil)
	to := "greylisted@example.com"
	if err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), to, "inv-retry")); err != nil {
		t.Fatalf("want delivery after retries, got %v", err)
	}
	if n := be.tries(to); n != 3 {
		t.Errorf("server saw %d RCPT attempts, want 3", n)
	}
	if be.count() != 1 {
		t.Errorf("delivered %d", be.count())
	}
	_, sleeps := clock.slept()
	if len(sleeps) != 2 {
		t.Fatalf("back-off sleeps = %v, want 2", sleeps)
	}
	// Exponential with equal jitter: retry n waits within [base·2^(n−1)/2, base·2^(n−1)].
	for i, d := range sleeps {
		hi := 100 * time.Millisecond << i
		if d < hi/2 || d > hi {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i, d, hi/2, hi)
		}
	}
	if ts.accepted.Load() != 1 {
		t.Errorf("a 4xx reply should not cost the connection: %d connections", ts.accepted.Load())
	}
	out := logs.String()
	if !strings.Contains(out, "inv-retry") || strings.Contains(out, to) || strings.Contains(out, "greylisted@") {
		t.Errorf("logs must name the invitation and never the address:\n%s", out)
	}
}

func TestSMTPTransientFailuresExhausted(t *testing.T) {
	be := newBackend()
	be.tempFail = 100
	ts := startServer(t, be, TLSNone)
	s, _, _ := newTestSender(t, ts, TLSNone, func(c *SMTPConfig) { c.MaxAttempts = 3 })
	to := "always-busy@example.com"
	err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), to, "inv-busy"))
	var te *TransientError
	if !errors.As(err, &te) || te.Attempts != 3 {
		t.Fatalf("err = %v, want *TransientError after 3 attempts", err)
	}
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 {
		t.Errorf("TransientError should wrap the last 451 reply, got %v", err)
	}
	if strings.Contains(err.Error(), to) {
		t.Errorf("error leaks the address: %v", err)
	}
	if n := be.tries(to); n != 3 || be.count() != 0 {
		t.Errorf("RCPT attempts %d, delivered %d", n, be.count())
	}
}

func TestSMTPPermanentFailureNotRetried(t *testing.T) {
	be := newBackend()
	bad := "left-company@example.com"
	be.reject[bad] = true
	ts := startServer(t, be, TLSNone)
	s, clock, logs := newTestSender(t, ts, TLSNone, nil)
	c := newTestComposer(t, ComposerConfig{})

	err := s.Send(context.Background(), composeTo(t, c, bad, "inv-bounce"))
	var pe *PermanentError
	if !errors.As(err, &pe) || pe.Code != 550 || pe.Enhanced != "5.1.1" {
		t.Fatalf("err = %v, want *PermanentError 550 5.1.1", err)
	}
	var te *TransientError
	if errors.As(err, &te) {
		t.Error("a permanent failure is not transient")
	}
	if strings.Contains(pe.Msg, bad) || !strings.Contains(pe.Msg, "User unknown") {
		t.Errorf("Msg = %q: want the server's text with the address redacted", pe.Msg)
	}
	if n := be.tries(bad); n != 1 {
		t.Errorf("server saw %d RCPT attempts, want 1 (no retry)", n)
	}
	if total, _ := clock.slept(); total != 0 {
		t.Errorf("slept %v before giving up", total)
	}

	// The connection survives a refused recipient: the next message reuses it after RSET.
	if err := s.Send(context.Background(), composeTo(t, c, "ok@example.com", "inv-next")); err != nil {
		t.Fatal(err)
	}
	if ts.accepted.Load() != 1 || ts.rsets.Load() != 1 {
		t.Errorf("connections %d, RSETs %d; want 1 and 1", ts.accepted.Load(), ts.rsets.Load())
	}
	if strings.Contains(logs.String(), bad) {
		t.Error("logs leak the address")
	}
}

func TestSMTPDroppedConnectionIsRetriedOnANewOne(t *testing.T) {
	be := newBackend()
	be.dropMail = 1
	ts := startServer(t, be, TLSNone)
	s, _, _ := newTestSender(t, ts, TLSNone, nil)
	if err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-drop")); err != nil {
		t.Fatal(err)
	}
	if be.count() != 1 || ts.accepted.Load() != 2 {
		t.Errorf("delivered %d over %d connections; want 1 over 2", be.count(), ts.accepted.Load())
	}
}

func TestSMTPPoolReusesConnections(t *testing.T) {
	be := newBackend()
	be.users = map[string]string{"u": "p"}
	ts := startServer(t, be, TLSStartTLS)
	const poolSize, messages = 3, 30
	s, _, _ := newTestSender(t, ts, TLSStartTLS, func(c *SMTPConfig) {
		c.PoolSize = poolSize
		c.Username, c.Password = "u", "p"
	})
	c := newTestComposer(t, ComposerConfig{})
	msgs := make([]*Message, messages)
	for i := range msgs {
		msgs[i] = composeTo(t, c, fmt.Sprintf("a%d@example.com", i), fmt.Sprintf("inv-%d", i))
	}

	var wg sync.WaitGroup
	errs := make(chan error, messages)
	for w := 0; w < 10; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < messages; i += 10 {
				errs <- s.Send(context.Background(), msgs[i])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conns := ts.accepted.Load()
	if be.count() != messages || conns > poolSize {
		t.Fatalf("delivered %d over %d connections; want %d over at most %d", be.count(), conns, messages, poolSize)
	}
	if rsets := ts.rsets.Load(); rsets != messages-conns {
		t.Errorf("RSETs = %d, want one per reuse (%d)", rsets, messages-conns)
	}

	// The server drops idle clients: the next send notices on RSET, discards them and dials afresh.
	ts.dropConnections()
	if err := s.Send(context.Background(), msgs[0]); err != nil {
		t.Fatal(err)
	}
	if got := ts.accepted.Load(); got != conns+1 {
		t.Errorf("connections after drop = %d, want %d", got, conns+1)
	}
}

func TestSMTPRateLimitPerTenant(t *testing.T) {
	be := newBackend()
	ts := startServer(t, be, TLSNone)
	s, clock, _ := newTestSender(t, ts, TLSNone, func(c *SMTPConfig) {
		c.RatePerSecond, c.RateBurst = 5, 1
	})
	comp := newTestComposer(t, ComposerConfig{})
	send := func(tenant string, i int) {
		m := composeTo(t, comp, fmt.Sprintf("r%d@example.com", i), fmt.Sprintf("inv-%s-%d", tenant, i))
		m.TenantID = tenant
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}

	// 11 messages at 5/s with a burst of 1: the first goes at once, each next one waits 200 ms.
	for i := 0; i < 11; i++ {
		send("acme", i)
	}
	total, sleeps := clock.slept()
	if total != 2*time.Second || len(sleeps) != 10 {
		t.Errorf("waited %v in %d sleeps, want 2s in 10", total, len(sleeps))
	}

	// Two other tenants interleaved: each waits on its own limiter only, so 22 messages take 2 s, not 4.
	before := clock.now()
	for i := 0; i < 11; i++ {
		send("globex", i)
		send("initech", i)
	}
	if elapsed := clock.now().Sub(before); elapsed != 2*time.Second {
		t.Errorf("22 messages of two tenants took %v of virtual time, want 2s", elapsed)
	}
	if be.count() != 33 {
		t.Errorf("delivered %d", be.count())
	}
}

func TestSMTPConfigurationErrorsAreNotRetried(t *testing.T) {
	t.Run("bad password", func(t *testing.T) {
		be := newBackend()
		be.users = map[string]string{"u": "right"}
		ts := startServer(t, be, TLSImplicit)
		s, _, _ := newTestSender(t, ts, TLSImplicit, func(c *SMTPConfig) { c.Username, c.Password = "u", "wrong" })
		err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-1"))
		var pe *PermanentError
		var te *TransientError
		var se *smtp.SMTPError
		if err == nil || errors.As(err, &pe) || errors.As(err, &te) || !errors.As(err, &se) || se.Code != 535 {
			t.Fatalf("err = %v, want a plain error carrying 535 (not a bounce, not retryable)", err)
		}
		if ts.accepted.Load() != 1 {
			t.Errorf("%d connections: a credential failure must not be retried", ts.accepted.Load())
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		ts := startServer(t, newBackend(), TLSStartTLS)
		s, _, _ := newTestSender(t, ts, TLSStartTLS, func(c *SMTPConfig) { c.TLSConf = nil })
		err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-1"))
		var te *TransientError
		if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want a certificate error", err)
		}
		if ts.accepted.Load() != 1 {
			t.Errorf("%d connections: a certificate failure must not be retried", ts.accepted.Load())
		}
	})
}

// silentServer accepts connections and never says a word.
func silentServer(t *testing.T) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

func TestSMTPTimeoutIsTransient(t *testing.T) {
	host, port := silentServer(t)
	s, _, _ := newTestSender(t, &testServer{host: host, port: port}, TLSNone, func(c *SMTPConfig) {
		c.Timeout = 100 * time.Millisecond
		c.MaxAttempts = 2
	})
	err := s.Send(context.Background(), composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-1"))
	var te *TransientError
	if !errors.As(err, &te) || te.Attempts != 2 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want *TransientError wrapping a deadline after 2 attempts", err)
	}
}

func TestSMTPContextCancelStopsSend(t *testing.T) {
	host, port := silentServer(t)
	s, _, _ := newTestSender(t, &testServer{host: host, port: port}, TLSNone, func(c *SMTPConfig) {
		c.Timeout = time.Minute
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	err := s.Send(ctx, composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-1"))
	var te *TransientError
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSMTPDKIMSurvivesRelay(t *testing.T) {
	key := testDKIMKeys(t)["rsa"]
	c := newTestComposer(t, ComposerConfig{DKIM: &DKIMConfig{Selector: "ap", Key: key}})
	be := newBackend()
	ts := startServer(t, be, TLSStartTLS)
	s, _, _ := newTestSender(t, ts, TLSStartTLS, nil)
	if err := s.Send(context.Background(), composeTo(t, c, "a@example.com", "inv-dkim")); err != nil {
		t.Fatal(err)
	}
	got := be.received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	vs, err := verifyDKIM(got[0].Data, fakeDNS{"ap._domainkey.mail.example.jp": dkimRecord(t, key)})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("DKIM after relay: %v %+v", err, vs)
	}
}

func TestNewSMTPValidation(t *testing.T) {
	cases := []struct {
		name string
		cfg  SMTPConfig
	}{
		{"no host", SMTPConfig{Port: 25}},
		{"bad port", SMTPConfig{Host: "smtp.example.jp", Port: 70000}},
		{"bad mode", SMTPConfig{Host: "smtp.example.jp", Port: 25, TLS: "ssl"}},
		{"password in clear", SMTPConfig{Host: "smtp.example.jp", Port: 25, TLS: TLSNone, Username: "u", Password: "p"}},
		{"bad from", SMTPConfig{Host: "smtp.example.jp", Port: 25, From: "Bounces <b@example.jp>"}},
	}
	for _, tc := range cases {
		var ve *ValidationError
		if _, err := NewSMTP(tc.cfg, nil); !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want *ValidationError", tc.name, err)
		}
	}
	s, err := NewSMTP(SMTPConfig{Host: "smtp.example.jp", Port: 587}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.TLS != TLSStartTLS || s.cfg.PoolSize != 2 || s.cfg.MaxAttempts != 3 || s.cfg.Timeout != 30*time.Second {
		t.Errorf("defaults: %+v", s.cfg)
	}
}

func TestSMTPSendAfterClose(t *testing.T) {
	be := newBackend()
	ts := startServer(t, be, TLSNone)
	s, _, _ := newTestSender(t, ts, TLSNone, nil)
	m := composeTo(t, newTestComposer(t, ComposerConfig{}), "a@example.com", "inv-1")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
}

// BenchmarkSendSMTP measures delivery throughput to the in-process server over a pool of 4 plain
// connections, rate limit off, 8 concurrent senders.
func BenchmarkSendSMTP(b *testing.B) {
	be := newBackend()
	be.discard = true
	ts := startServer(b, be, TLSNone)
	s, err := NewSMTP(SMTPConfig{Host: ts.host, Port: ts.port, TLS: TLSNone, From: bounceAddr, Helo: "bench.test", PoolSize: 4}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := composeTo(b, newTestComposer(b, ComposerConfig{}), "a@example.com", "inv-bench")
	b.SetBytes(int64(len(m.Raw)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Send(context.Background(), m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	if be.count() != b.N {
		b.Errorf("server received %d of %d", be.count(), b.N)
	}
}
