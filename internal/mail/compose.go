package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	netmail "net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/dkim"

	"github.com/alumnipulse/alumnipulse/internal/mail/templates"
)

// ComposerConfig configures a Composer.
type ComposerConfig struct {
	// From is the bare sending address, e.g. "survey@mail.example.jp". Its domain names Message-IDs.
	From string
	// UnsubscribeMailbox, when set, adds a mailto: alternative to the List-Unsubscribe header.
	// Something must read that mailbox; leave it empty otherwise.
	UnsubscribeMailbox string
	// Templates, when set, is searched before the embedded defaults: first <tenant>/<file>, then <file>,
	// where file is <kind>.<ja|en>.<txt|html> (e.g. os.DirFS("/etc/alumnipulse/mail")).
	Templates fs.FS
	// DKIM, when set, signs every message.
	DKIM *DKIMConfig
}

// DKIMConfig is a DKIM signing key and where its public half is published.
type DKIMConfig struct {
	Domain   string        // d= tag; defaults to the From address's domain
	Selector string        // s= tag; the key is published at <selector>._domainkey.<domain>
	Key      crypto.Signer // RSA (≥ 1024 bits, 2048 advised) or Ed25519; see ParseDKIMKey
}

// Composer renders Requests into Messages.
type Composer struct {
	from        string
	domain      string
	unsubscribe string
	overrides   fs.FS
	dkim        *dkim.SignOptions
	now         func() time.Time
}

// signedHeaders are covered by the DKIM signature. RFC 8058 requires List-Unsubscribe and
// List-Unsubscribe-Post to be signed, or receivers ignore the one-click header.
var signedHeaders = []string{
	"From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type",
	"List-Unsubscribe", "List-Unsubscribe-Post", HeaderInvitation, HeaderKind,
}

// NewComposer checks cfg and returns a Composer.
func NewComposer(cfg ComposerConfig) (*Composer, error) {
	domain, err := addressDomain(cfg.From)
	if err != nil {
		return nil, &ValidationError{Field: "From", Reason: err.Error()}
	}
	if cfg.UnsubscribeMailbox != "" {
		if _, err := addressDomain(cfg.UnsubscribeMailbox); err != nil {
			return nil, &ValidationError{Field: "UnsubscribeMailbox", Reason: err.Error()}
		}
	}
	c := &Composer{
		from:        cfg.From,
		domain:      domain,
		unsubscribe: cfg.UnsubscribeMailbox,
		overrides:   cfg.Templates,
		now:         time.Now,
	}
	if k := cfg.DKIM; k != nil {
		if k.Selector == "" || k.Key == nil {
			return nil, &ValidationError{Field: "DKIM", Reason: "selector and key are required"}
		}
		d := k.Domain
		if d == "" {
			d = domain
		}
		c.dkim = &dkim.SignOptions{
			Domain:                 d,
			Selector:               k.Selector,
			Signer:                 k.Key,
			HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization:   dkim.CanonicalizationRelaxed,
			HeaderKeys:             signedHeaders,
		}
	}
	return c, nil
}

// ParseDKIMKey reads a PEM private key (PKCS #1 RSA, or PKCS #8 RSA or Ed25519) for DKIMConfig.Key.
func ParseDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("parse dkim key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse dkim key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse dkim key: %w", err)
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return k, nil
		}
		return nil, fmt.Errorf("parse dkim key: unsupported key type %T", k)
	}
	return nil, fmt.Errorf("parse dkim key: unsupported PEM block %q", block.Type)
}

// Compose renders req with its tenant's templates into a multipart/alternative message.
func (c *Composer) Compose(req Request) (*Message, error) {
	if err := c.validate(req); err != nil {
		return nil, err
	}
	lang := language(req.Locale)
	subject, text, err := c.renderText(req, lang)
	if err != nil {
		return nil, err
	}
	html, err := c.renderHTML(req, lang)
	if err != nil {
		return nil, err
	}

	random, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	id := random + "@" + c.domain
	date := c.now()
	fromName := req.FromName
	if fromName == "" {
		fromName = req.Data.CompanyName
	}

	// go-message writes header fields in the reverse order of setting them (so that trace fields can be
	// prepended); set them bottom-up so the message reads From, To, Subject, … top-down.
	var h mail.Header
	boundary, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	h.Set("MIME-Version", "1.0")
	h.Set(HeaderKind, string(req.Kind))
	h.Set(HeaderInvitation, req.InvitationID)
	// No Auto-Submitted header: it tells receivers the mail is machine-generated and needs no human
	// attention, while a survey invitation asks a person for an answer.
	h.Set("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	h.Set("List-Unsubscribe", c.listUnsubscribe(req))
	h.SetMessageID(id)
	h.SetDate(date)
	h.Set("Subject", encodeWords(subject))
	h.Set("To", formatAddress(req.Data.RecipientName, req.To))
	h.Set("From", formatAddress(fromName, c.from))

	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("compose %s: %w", req.InvitationID, err)
	}
	for _, p := range []struct {
		mediaType string
		body      []byte
	}{{"text/plain", text}, {"text/html", html}} {
		if err := writePart(w, p.mediaType, p.body); err != nil {
			return nil, fmt.Errorf("compose %s: %w", req.InvitationID, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compose %s: %w", req.InvitationID, err)
	}

	raw := buf.Bytes()
	if c.dkim != nil {
		var signed bytes.Buffer
		if err := dkim.Sign(&signed, bytes.NewReader(raw), c.dkim); err != nil {
			return nil, fmt.Errorf("dkim sign %s: %w", req.InvitationID, err)
		}
		raw = signed.Bytes()
	}
	return &Message{
		TenantID:     req.TenantID,
		InvitationID: req.InvitationID,
		Kind:         req.Kind,
		From:         c.from,
		To:           req.To,
		Subject:      subject,
		MessageID:    id,
		Date:         date,
		Raw:          raw,
	}, nil
}

func (c *Composer) validate(req Request) error {
	if !idPattern.MatchString(req.TenantID) {
		return &ValidationError{Field: "TenantID", Reason: "want 1–128 of A-Z a-z 0-9 . _ -"}
	}
	if !idPattern.MatchString(req.InvitationID) {
		return &ValidationError{Field: "InvitationID", Reason: "want 1–128 of A-Z a-z 0-9 . _ -"}
	}
	if req.Kind != KindInvitation && req.Kind != KindReminder {
		return &ValidationError{Field: "Kind", Reason: fmt.Sprintf("unknown kind %q", req.Kind)}
	}
	if _, err := addressDomain(req.To); err != nil {
		return &ValidationError{Field: "To", Reason: err.Error()}
	}
	d := req.Data
	if strings.TrimSpace(d.CompanyName) == "" {
		return &ValidationError{Field: "Data.CompanyName", Reason: "empty"}
	}
	if strings.TrimSpace(d.SurveyTitle) == "" {
		return &ValidationError{Field: "Data.SurveyTitle", Reason: "empty"}
	}
	if err := checkURL(d.LinkURL); err != nil {
		return &ValidationError{Field: "Data.LinkURL", Reason: err.Error()}
	}
	if err := checkURL(d.OptOutURL); err != nil {
		return &ValidationError{Field: "Data.OptOutURL", Reason: err.Error()}
	}
	if d.CloseDate.IsZero() {
		return &ValidationError{Field: "Data.CloseDate", Reason: "zero"}
	}
	if d.Wave != "3m" && d.Wave != "6m" {
		return &ValidationError{Field: "Data.Wave", Reason: fmt.Sprintf("want 3m or 6m, got %q", d.Wave)}
	}
	return nil
}

// checkURL accepts absolute http(s) URLs that can sit inside <…> in a header (RFC 2369) unchanged.
func checkURL(raw string) error {
	if strings.ContainsAny(raw, " \t\r\n<>,\"") {
		return errors.New("contains space, comma, quote or angle bracket")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("want an absolute https URL")
	}
	return nil
}

// addressDomain checks that s is a bare address ("a@b.example", no display name) and returns its domain.
func addressDomain(s string) (string, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errors.New("want a bare e-mail address")
	}
	return s[strings.LastIndexByte(s, '@')+1:], nil
}

// language maps a locale to a template language: English for "en*", Japanese otherwise.
func language(locale string) string {
	if l := strings.ToLower(locale); l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "ja"
}

func (c *Composer) listUnsubscribe(req Request) string {
	v := "<" + req.Data.OptOutURL + ">"
	if c.unsubscribe != "" {
		v += ", <mailto:" + c.unsubscribe + "?subject=" + url.PathEscape("unsubscribe "+req.InvitationID) + ">"
	}
	return v
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// templateFuncs are available to every template.
var templateFuncs = map[string]any{
	"dateJA": dateJA,
	"dateEN": dateEN,
}

var weekdaysJA = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// dateJA formats t as 2026年5月31日（日）.
func dateJA(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日（%s）", t.Year(), int(t.Month()), t.Day(), weekdaysJA[t.Weekday()])
}

// dateEN formats t as Sunday, 31 May 2026.
func dateEN(t time.Time) string {
	return t.Format("Monday, 2 January 2006")
}

// load returns the source of a template file, preferring the tenant's override, then a site-wide
// override, then the embedded default.
func (c *Composer) load(tenant, file string) (string, []byte, error) {
	if c.overrides != nil {
		for _, p := range []string{tenant + "/" + file, file} {
			b, err := fs.ReadFile(c.overrides, p)
			if err == nil {
				return p, b, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", nil, fmt.Errorf("read template %s: %w", p, err)
			}
		}
	}
	b, err := fs.ReadFile(templates.FS, file)
	if err != nil {
		return "", nil, fmt.Errorf("read default template %s: %w", file, err)
	}
	return "default/" + file, b, nil
}

// renderText returns the subject and the plain-text body. Templates are parsed on every call so that an
// edited override takes effect without a restart; parsing costs far less than an SMTP round trip.
func (c *Composer) renderText(req Request, lang string) (string, []byte, error) {
	name, src, err := c.load(req.TenantID, string(req.Kind)+"."+lang+".txt")
	if err != nil {
		return "", nil, err
	}
	t, err := texttemplate.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return "", nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	if t.Lookup("subject") == nil {
		return "", nil, fmt.Errorf("template %s: no {{define \"subject\"}}", name)
	}
	var subj, body bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", req.Data); err != nil {
		return "", nil, fmt.Errorf("render template %s subject: %w", name, err)
	}
	if err := t.Execute(&body, req.Data); err != nil {
		return "", nil, fmt.Errorf("render template %s: %w", name, err)
	}
	// A subject is one line whatever the template or the data hold.
	subject := strings.Join(strings.Fields(subj.String()), " ")
	if subject == "" {
		return "", nil, fmt.Errorf("template %s: empty subject", name)
	}
	return subject, body.Bytes(), nil
}

func (c *Composer) renderHTML(req Request, lang string) ([]byte, error) {
	name, src, err := c.load(req.TenantID, string(req.Kind)+"."+lang+".html")
	if err != nil {
		return nil, err
	}
	t, err := htmltemplate.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	var body bytes.Buffer
	if err := t.Execute(&body, req.Data); err != nil {
		return nil, fmt.Errorf("render template %s: %w", name, err)
	}
	return body.Bytes(), nil
}

// writePart adds one UTF-8 body part, base64 when most of it is non-ASCII (Japanese: ~4/3 the size,
// against ~3× for quoted-printable), quoted-printable otherwise (English stays readable).
func writePart(w *message.Writer, mediaType string, body []byte) error {
	body = crlf(body)
	nonASCII := 0
	for _, b := range body {
		if b >= 0x80 {
			nonASCII++
		}
	}
	enc := "quoted-printable"
	if nonASCII*3 > len(body) {
		enc = "base64"
	}
	var h message.Header
	h.SetContentType(mediaType, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", enc)
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("create %s part: %w", mediaType, err)
	}
	if _, err := pw.Write(body); err != nil {
		return fmt.Errorf("write %s part: %w", mediaType, err)
	}
	return pw.Close()
}

// formatAddress formats a name-addr, the name RFC 2047-encoded in short words when it is not ASCII.
func formatAddress(name, addr string) string {
	name = strings.Join(strings.Fields(name), " ")
	if isASCII(name) {
		return (&netmail.Address{Name: name, Address: addr}).String()
	}
	return encodeWords(name) + " <" + addr + ">"
}

// encodeWords RFC 2047-encodes s (UTF-8, B encoding) when it is not ASCII, in words short enough for
// go-message to fold the header between them at 76 columns. Long single words (Go's mime encoder makes
// them up to 75 characters) would leave Japanese subjects unfolded. B encoding keeps Japanese about a
// third the size of Q encoding; both decode everywhere.
func encodeWords(s string) string {
	if isASCII(s) {
		return s
	}
	const maxChunk = 36 // bytes per word: 48 base64 characters + 12 of "=?utf-8?b?…?="
	var words []string
	var chunk []byte
	for _, r := range s {
		if len(chunk)+utf8.RuneLen(r) > maxChunk {
			words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString(chunk)+"?=")
			chunk = chunk[:0]
		}
		chunk = utf8.AppendRune(chunk, r)
	}
	words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString(chunk)+"?=")
	return strings.Join(words, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// crlf turns every line end into CRLF, the canonical form of text/* bodies (RFC 2046).
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
