package mail

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"syscall"

	"github.com/emersion/go-smtp"
)

// PermanentError means the server refused the recipient or the message for good (a 5xx reply to RCPT TO
// or DATA). The caller should mark the address bounced and stop sending to it. Addresses in Msg are
// redacted.
type PermanentError struct {
	Code     int    // SMTP reply code, 500–599
	Enhanced string // RFC 3463 status such as "5.1.1"; empty when the server sent none
	Msg      string // the server's text, addresses redacted
}

// Error implements error.
func (e *PermanentError) Error() string {
	if e.Enhanced != "" {
		return fmt.Sprintf("smtp permanent failure %d %s: %s", e.Code, e.Enhanced, e.Msg)
	}
	return fmt.Sprintf("smtp permanent failure %d: %s", e.Code, e.Msg)
}

// TransientError means every attempt failed temporarily (4xx replies, timeouts, dropped connections).
// The message was not delivered; the caller may try again later.
type TransientError struct {
	Attempts int
	Err      error // the last attempt's error
}

// Error implements error.
func (e *TransientError) Error() string {
	return fmt.Sprintf("smtp temporary failure after %d attempts: %v", e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *TransientError) Unwrap() error { return e.Err }

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("mail: sender closed")

// addressPattern finds e-mail addresses in server replies ("550 5.1.1 <a@b.jp>: unknown user"), which
// must not reach logs or stored errors.
var addressPattern = regexp.MustCompile(`[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]+`)

func redact(s string) string {
	return addressPattern.ReplaceAllString(s, "[address]")
}

// scrub redacts addresses in an SMTP reply carried by err, keeping its type for errors.As.
func scrub(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &smtp.SMTPError{Code: se.Code, EnhancedCode: se.EnhancedCode, Message: redact(se.Message)}
	}
	return err
}

// permanentOr turns a 5xx reply to RCPT TO or DATA into a *PermanentError and wraps anything else.
func permanentOr(stage string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && se.Code < 600 {
		p := &PermanentError{Code: se.Code, Msg: redact(se.Message)}
		if ec := se.EnhancedCode; ec[0] > 0 {
			p.Enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		return p
	}
	return fmt.Errorf("smtp %s: %w", stage, scrub(err))
}

// isTransient reports whether trying again may succeed: a 4xx reply, a timeout, a refused, reset or
// dropped connection. 5xx replies outside RCPT/DATA (bad credentials, sender refused) and certificate
// errors are configuration problems that retrying would not fix.
func isTransient(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code < 500
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, os.ErrDeadlineExceeded, net.ErrClosed,
		syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE} {
		if errors.Is(err, target) {
			return true
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// reusable reports whether a connection is still in step with the server after err: the server answered,
// and did not announce it is closing (421).
func reusable(err error) bool {
	var p *PermanentError
	if errors.As(err, &p) {
		return true
	}
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code != 421
}
