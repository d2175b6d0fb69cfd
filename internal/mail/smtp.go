package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/time/rate"
)

// TLSMode says how the connection to the relay is encrypted.
type TLSMode string

// TLS modes.
const (
	TLSNone     TLSMode = "none"     // plain text; credentials only to a loopback relay
	TLSStartTLS TLSMode = "starttls" // plain connect, then STARTTLS (port 587); the default
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (port 465)
)

// SMTPConfig configures an SMTPSender. Zero values get the defaults named on each field.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // AUTH PLAIN when set
	Password string
	TLS      TLSMode       // default starttls
	TLSConf  *tls.Config   // optional, e.g. RootCAs for a private CA; ServerName defaults to Host
	From     string        // envelope sender (MAIL FROM, where bounces go); default each Message.From
	Helo     string        // EHLO name; default the host name
	PoolSize int           // connections kept open and used at once; default 2
	Timeout  time.Duration // bounds the connect+handshake, each command and the body upload; default 30s

	RatePerSecond float64 // messages per second per tenant; 0 means unlimited
	RateBurst     int     // default 1

	MaxAttempts int           // per Send, including the first; default 3
	RetryBase   time.Duration // first back-off, doubled each retry up to a minute, jittered; default 1s
}

// SMTPSender sends messages through one SMTP relay over a small pool of connections.
// It is safe for concurrent use.
type SMTPSender struct {
	cfg  SMTPConfig
	addr string
	tls  *tls.Config
	log  *slog.Logger

	// slots holds one token per connection in use, so at most PoolSize exist (in use or idle).
	slots  chan struct{}
	idle   chan *conn
	mu     sync.Mutex // guards closed and pushes to idle against Close
	closed bool

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter

	// now and sleep are the clock; tests replace them to assert on rate-limit and back-off delays
	// without waiting.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTP checks cfg and returns a sender. It does not connect until the first Send.
func NewSMTP(cfg SMTPConfig, log *slog.Logger) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, &ValidationError{Field: "SMTP host", Reason: "empty"}
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, &ValidationError{Field: "SMTP port", Reason: strconv.Itoa(cfg.Port)}
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, &ValidationError{Field: "SMTP TLS mode", Reason: fmt.Sprintf("want none, starttls or implicit, got %q", cfg.TLS)}
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !isLoopback(cfg.Host) {
		return nil, &ValidationError{Field: "SMTP TLS mode", Reason: "refusing to send credentials without TLS"}
	}
	if cfg.From != "" {
		if _, err := addressDomain(cfg.From); err != nil {
			return nil, &ValidationError{Field: "SMTP from", Reason: err.Error()}
		}
	}
	if cfg.Helo == "" {
		cfg.Helo, _ = os.Hostname()
		if cfg.Helo == "" {
			cfg.Helo = "localhost"
		}
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.RatePerSecond < 0 {
		return nil, &ValidationError{Field: "SMTP rate", Reason: "negative"}
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 1
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	tlsConf := &tls.Config{}
	if cfg.TLSConf != nil {
		tlsConf = cfg.TLSConf.Clone()
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = cfg.Host
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SMTPSender{
		cfg:      cfg,
		addr:     net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		tls:      tlsConf,
		log:      log,
		slots:    make(chan struct{}, cfg.PoolSize),
		idle:     make(chan *conn, cfg.PoolSize),
		limiters: map[string]*rate.Limiter{},
		now:      time.Now,
		sleep:    sleepContext,
	}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m, waiting for its tenant's rate limit and retrying temporary failures with exponential
// back-off. It returns nil, a *PermanentError (recipient refused: mark the address bounced), a
// *TransientError (still failing after MaxAttempts: try later), the context's error, or another error
// for a local or configuration failure (bad credentials, certificate, sender refused) that every
// message would hit.
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	if m == nil || m.To == "" || len(m.Raw) == 0 {
		return &ValidationError{Field: "Message", Reason: "needs To and Raw"}
	}
	from := s.cfg.From
	if from == "" {
		from = m.From
	}
	log := s.log.With("invitation", m.InvitationID, "tenant", m.TenantID, "kind", string(m.Kind))
	for attempt := 1; ; attempt++ {
		if err := s.wait(ctx, m.TenantID); err != nil {
			return fmt.Errorf("send %s: %w", m.InvitationID, err)
		}
		err := s.attempt(ctx, from, m)
		if err == nil {
			log.Debug("mail sent", "attempt", attempt)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("send %s: %w", m.InvitationID, ctx.Err())
		}
		var perm *PermanentError
		if errors.As(err, &perm) {
			return perm
		}
		if !isTransient(err) {
			return fmt.Errorf("send %s: %w", m.InvitationID, err)
		}
		if attempt >= s.cfg.MaxAttempts {
			return &TransientError{Attempts: attempt, Err: err}
		}
		d := s.backoff(attempt)
		log.Info("mail send failed, will retry", "attempt", attempt, "retry_in", d, "err", err)
		if err := s.sleep(ctx, d); err != nil {
			return fmt.Errorf("send %s: %w", m.InvitationID, err)
		}
	}
}

// Close closes the idle connections; Send fails with ErrClosed afterwards. Connections in use are closed
// when their Send returns.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for {
		select {
		case cn := <-s.idle:
			cn.quit(s.cfg.Timeout)
		default:
			return nil
		}
	}
}

// backoff returns the wait before retry number attempt (1-based): RetryBase·2^(attempt−1), capped at a
// minute, with "equal jitter" (a uniform draw from its upper half) so senders that failed together do
// not retry together.
func (s *SMTPSender) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase << (attempt - 1)
	if d > time.Minute || d <= 0 {
		d = time.Minute
	}
	half := d / 2
	return half + rand.N(half+1)
}

// wait blocks until the tenant's limiter allows one more message.
func (s *SMTPSender) wait(ctx context.Context, tenant string) error {
	if s.cfg.RatePerSecond == 0 {
		return nil
	}
	s.limMu.Lock()
	lim, ok := s.limiters[tenant]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(s.cfg.RatePerSecond), s.cfg.RateBurst)
		s.limiters[tenant] = lim
	}
	s.limMu.Unlock()

	now := s.now()
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d == 0 {
		return nil
	}
	if err := s.sleep(ctx, d); err != nil {
		r.CancelAt(s.now())
		return err
	}
	return nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt makes one delivery attempt over a pooled connection.
func (s *SMTPSender) attempt(ctx context.Context, from string, m *Message) error {
	cn, err := s.get(ctx)
	if err != nil {
		return err
	}
	err = cn.deliver(ctx, s.cfg.Timeout, from, m)
	s.put(cn, err == nil || reusable(err))
	return err
}

// conn is one pooled SMTP connection.
type conn struct {
	raw    net.Conn // the TCP socket, closed to abort any exchange
	client *smtp.Client
}

// get returns an idle connection that answers RSET, or dials a new one; it blocks while PoolSize
// connections are in use.
func (s *SMTPSender) get(ctx context.Context) (*conn, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		<-s.slots
		return nil, ErrClosed
	}
	for {
		cn := s.takeIdle()
		if cn == nil {
			break
		}
		// RSET both clears any transaction a failed send left open and proves the connection is alive:
		// servers drop idle clients after a few minutes.
		if err := cn.reset(ctx); err == nil {
			return cn, nil
		}
		cn.client.Close()
	}
	cn, err := s.dial(ctx)
	if err != nil {
		<-s.slots
		return nil, err
	}
	return cn, nil
}

func (s *SMTPSender) takeIdle() *conn {
	select {
	case cn := <-s.idle:
		return cn
	default:
		return nil
	}
}

// put returns cn to the pool, or closes it when it is out of step with the server or the sender closed.
func (s *SMTPSender) put(cn *conn, healthy bool) {
	defer func() { <-s.slots }()
	if healthy {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			select {
			case s.idle <- cn:
				return
			default:
			}
		}
	}
	cn.client.Close()
}

// dial connects, says EHLO, secures the connection and authenticates, all within Timeout.
func (s *SMTPSender) dial(ctx context.Context) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", s.addr, err)
	}
	// go-smtp's greeting and EHLO ignore contexts and wait minutes: closing the socket when ours ends is
	// the only way to hold the whole handshake to Timeout.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	c, err := s.handshake(ctx, raw)
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("smtp handshake with %s: %w", s.addr, scrub(err))
	}
	c.CommandTimeout = s.cfg.Timeout
	c.SubmissionTimeout = s.cfg.Timeout
	return &conn{raw: raw, client: c}, nil
}

func (s *SMTPSender) handshake(ctx context.Context, raw net.Conn) (*smtp.Client, error) {
	var c *smtp.Client
	switch s.cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(raw, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		c = smtp.NewClient(tc)
	case TLSStartTLS:
		// go-smtp says "EHLO localhost" before STARTTLS; the EHLO that counts comes after it, below.
		var err error
		if c, err = smtp.NewClientStartTLS(raw, s.tls); err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
	default:
		c = smtp.NewClient(raw)
	}
	if err := c.Hello(s.cfg.Helo); err != nil {
		return nil, fmt.Errorf("ehlo: %w", err)
	}
	if s.cfg.Username == "" {
		return c, nil
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return nil, errors.New("server offers no AUTH")
	}
	if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return c, nil
}

// reset sends RSET, giving up when ctx ends.
func (cn *conn) reset(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { cn.raw.Close() })
	defer stop()
	return cn.client.Reset()
}

// deliver runs one mail transaction. Closing the socket when ctx ends aborts it mid-command.
func (cn *conn) deliver(ctx context.Context, timeout time.Duration, from string, m *Message) error {
	stop := context.AfterFunc(ctx, func() { cn.raw.Close() })
	defer stop()
	c := cn.client
	var opts *smtp.MailOptions
	if !isASCII(from) || !isASCII(m.To) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from, opts); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", scrub(err))
	}
	if err := c.Rcpt(m.To, nil); err != nil {
		return permanentOr("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return permanentOr("DATA", err)
	}
	// go-smtp sets no deadline while the body is written; a stalled server must not hang us.
	if err := cn.raw.SetDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(m.Raw); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return permanentOr("end of DATA", err)
	}
	return nil
}

// quit says goodbye politely, within timeout.
func (cn *conn) quit(timeout time.Duration) {
	cn.raw.SetDeadline(time.Now().Add(timeout))
	cn.client.Quit()
	cn.client.Close()
}
