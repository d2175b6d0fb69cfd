// Package mail composes survey invitation and reminder e-mails (Japanese or English, text and HTML,
// tenant-overridable templates, RFC 8058 one-click unsubscribe, optional DKIM signature) and sends them
// through an SMTP relay with a connection pool, a per-tenant rate limit and retries, or into a local
// outbox folder when no relay is configured.
package mail

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// Sender delivers composed messages.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Kind names a family of templates.
type Kind string

// The kinds of e-mail the mailer sends.
const (
	KindInvitation Kind = "invitation"
	KindReminder   Kind = "reminder"
)

// Header names set on every message; the lead's bounce and audit code may read them back.
const (
	// HeaderInvitation carries the invitation id: the idempotency key of a send.
	HeaderInvitation = "X-Alumnipulse-Invitation"
	// HeaderKind carries the Kind ("invitation" or "reminder").
	HeaderKind = "X-Alumnipulse-Kind"
)

// Message is a composed e-mail, ready for any Sender.
type Message struct {
	TenantID     string // selects the per-tenant rate limiter
	InvitationID string // the only identifier that may appear in logs
	Kind         Kind
	From         string // bare sender address (the From header's address)
	To           string // bare recipient address; PII, never log it
	Subject      string // decoded subject
	MessageID    string // without angle brackets
	Date         time.Time
	Raw          []byte // the whole RFC 5322 message with CRLF line ends, DKIM-signed when configured
}

// Request is what Compose needs to build one message.
type Request struct {
	TenantID     string // also the override folder name for templates
	InvitationID string
	Kind         Kind
	Locale       string // "ja" or "en" (BCP 47 tags such as "en-US" accepted); anything else means Japanese
	To           string // bare recipient address
	FromName     string // display name of the sender; defaults to Data.CompanyName
	Data         Data
}

// Data is what the templates see.
type Data struct {
	RecipientName string    // display name; may be empty
	CompanyName   string    // the tenant's company name
	SurveyTitle   string    // in the recipient's language
	LinkURL       string    // the personal survey link
	OptOutURL     string    // the one-click unsubscribe URL (also used in List-Unsubscribe); https in production
	CloseDate     time.Time // shown as a date in its own location: pass it in the tenant's zone
	Wave          string    // "3m" or "6m"
}

// WaveMonths returns the wave as a number of months (3 or 6).
func (d Data) WaveMonths() int {
	if d.Wave == "6m" {
		return 6
	}
	return 3
}

// ValidationError reports a Request or configuration field that cannot be used.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("mail: invalid %s: %s", e.Field, e.Reason)
}

// idPattern restricts tenant and invitation ids, which end up in header values, file names and template
// paths, to characters that are safe in all three.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
