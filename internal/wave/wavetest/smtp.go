// Package wavetest gives tests of the wave scheduler a real SMTP server (go-smtp's server package on
// 127.0.0.1) that records what it accepts and misbehaves on request, and a seeded tenant.
package wavetest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one accepted message.
type Received struct {
	To         string
	Invitation string // X-Alumnipulse-Invitation
	Kind       string // X-Alumnipulse-Kind
	Subject    string // decoded
	At         time.Time
	Raw        []byte
}

// SMTPServer is a running test server.
type SMTPServer struct {
	Host string
	Port int

	mu       sync.Mutex
	msgs     []Received
	reject   map[string]bool
	tempFail map[string]int
	delay    time.Duration
	discard  bool
	count    int
}

// StartSMTP serves on 127.0.0.1:0 until the test ends.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPServer{reject: map[string]bool{}, tempFail: map[string]int{}}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "mx.test"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.AllowInsecureAuth = true
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Reject answers 550 to RCPT TO addr from now on.
func (s *SMTPServer) Reject(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[addr] = true
}

// TempFail answers 451 to the next n RCPT TO addr.
func (s *SMTPServer) TempFail(addr string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tempFail[addr] = n
}

// SetDelay makes the server wait d after receiving each message body before it accepts it. A message
// whose client went away during the wait is not accepted (as a careful MTA does).
func (s *SMTPServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Discard counts messages without keeping them (benchmarks).
func (s *SMTPServer) Discard() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discard = true
}

// Messages returns the accepted messages in order.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Count returns how many messages were accepted.
func (s *SMTPServer) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

type session struct {
	s  *SMTPServer
	c  *smtp.Conn
	to string
}

func (ss *session) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: User unknown"}
	}
	if s.tempFail[to] > 0 {
		s.tempFail[to]--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "<" + to + ">: try again later"}
	}
	ss.to = to
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
		if !alive(ss.c.Conn()) {
			return errors.New("client went away before the reply")
		}
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if !s.discard {
		s.msgs = append(s.msgs, Received{To: ss.to, Invitation: h.Get("X-Alumnipulse-Invitation"),
			Kind: h.Get("X-Alumnipulse-Kind"), Subject: subject, At: time.Now(), Raw: raw})
	}
	return nil
}

// alive reports whether the client is still connected: it is waiting for our reply, so a short read
// times out when it is there and sees EOF when it is gone.
func alive(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	defer c.SetReadDeadline(time.Time{})
	var b [1]byte
	_, err := c.Read(b[:])
	return errors.Is(err, os.ErrDeadlineExceeded)
}

func (ss *session) Reset()        { ss.to = "" }
func (ss *session) Logout() error { return nil }
