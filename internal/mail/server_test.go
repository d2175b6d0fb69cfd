package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// This file holds a real SMTP server for the tests, built with go-smtp's server package and listening on
// 127.0.0.1:0, plus a fake clock and a log buffer.

type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// testBackend stores what it receives and misbehaves on request.
type testBackend struct {
	mu        sync.Mutex
	msgs      []received
	delivered int
	rcptTries map[string]int
	tempFail  int             // answer 451 to the next tempFail RCPT commands
	reject    map[string]bool // answer 550 to these recipients
	dropMail  int             // close the connection at the next dropMail MAIL commands
	users     map[string]string
	discard   bool // count messages without keeping them (benchmark)
}

func newBackend() *testBackend {
	return &testBackend{rcptTries: map[string]int{}, reject: map[string]bool{}}
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &testSession{b: b, c: c}, nil
}

func (b *testBackend) received() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

func (b *testBackend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.delivered
}

func (b *testBackend) tries(addr string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rcptTries[addr]
}

type testSession struct {
	b    *testBackend
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (s *testSession) AuthMechanisms() []string {
	if s.b.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := s.b.users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.b.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.b.mu.Lock()
	drop := s.b.dropMail > 0
	if drop {
		s.b.dropMail--
	}
	s.b.mu.Unlock()
	if drop {
		s.c.Close()
		return errors.New("connection dropped by test")
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.rcptTries[to]++
	if s.b.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "<" + to + ">: Recipient address rejected: User unknown"}
	}
	if s.b.tempFail > 0 {
		s.b.tempFail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "<" + to + ">: greylisted, try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.delivered++
	if !s.b.discard {
		s.b.msgs = append(s.b.msgs, received{From: s.from, To: s.to, Data: data, TLS: isTLS, User: s.user})
	}
	return nil
}

func (s *testSession) Reset()        { s.from, s.to = "", nil }
func (s *testSession) Logout() error { return nil }

// testServer is a running server with connection and RSET counters.
type testServer struct {
	host  string
	port  int
	be    *testBackend
	roots *x509.CertPool // trusts the server's self-signed certificate

	accepted atomic.Int64
	rsets    atomic.Int64
	mu       sync.Mutex
	open     []net.Conn
}

// startServer serves be on 127.0.0.1:0. mode none: plain, AUTH allowed without TLS; starttls: plain with
// STARTTLS, AUTH only after it; implicit: TLS from the first byte.
func startServer(t testing.TB, be *testBackend, mode TLSMode) *testServer {
	t.Helper()
	cert, roots := selfSignedCert(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{be: be, roots: roots}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)

	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.Debug = rsetCounter{&ts.rsets}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	var ln net.Listener = &countingListener{Listener: l, ts: ts}
	switch mode {
	case TLSNone:
		srv.AllowInsecureAuth = true
	case TLSStartTLS:
		srv.TLSConfig = tlsConf
	case TLSImplicit:
		srv.TLSConfig = tlsConf
		ln = tls.NewListener(ln, tlsConf)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ts
}

// dropConnections closes every connection the server accepted, as a server does with idle clients.
func (ts *testServer) dropConnections() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, c := range ts.open {
		c.Close()
	}
	ts.open = nil
}

type countingListener struct {
	net.Listener
	ts *testServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.ts.accepted.Add(1)
		l.ts.mu.Lock()
		l.ts.open = append(l.ts.open, c)
		l.ts.mu.Unlock()
	}
	return c, err
}

// rsetCounter sees the server's traffic (go-smtp's Debug writer) and counts RSET commands.
type rsetCounter struct{ n *atomic.Int64 }

func (r rsetCounter) Write(p []byte) (int, error) {
	r.n.Add(int64(bytes.Count(p, []byte("RSET\r\n"))))
	return len(p), nil
}

func selfSignedCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// fakeClock is a virtual clock: sleeping advances it at once and is recorded.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	f.sleeps = append(f.sleeps, d)
	return ctx.Err()
}

func (f *fakeClock) slept() (total time.Duration, each []time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.sleeps {
		total += d
	}
	return total, append([]time.Duration(nil), f.sleeps...)
}

// logBuffer collects log output from concurrent senders.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
