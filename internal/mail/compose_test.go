package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/dkim"
)

var jst = time.FixedZone("JST", 9*60*60)

const (
	testFrom    = "survey@mail.example.jp"
	testLink    = "https://survey.example.jp/s/Zk3xQ9a_b-7?lang=ja&utm=mail"
	testOptOut  = "https://survey.example.jp/o/opt-TOKEN_0123456789"
	testCompany = "株式会社サンプル"
)

func sampleRequest(locale string, kind Kind, wave, name string) Request {
	return Request{
		TenantID:     "acme",
		InvitationID: "inv-0001",
		Kind:         kind,
		Locale:       locale,
		To:           "taro.yamada@example.com",
		Data: Data{
			RecipientName: name,
			CompanyName:   testCompany,
			SurveyTitle:   "退職後アンケート",
			LinkURL:       testLink,
			OptOutURL:     testOptOut,
			CloseDate:     time.Date(2026, 5, 31, 23, 59, 0, 0, jst),
			Wave:          wave,
		},
	}
}

func newTestComposer(t testing.TB, cfg ComposerConfig) *Composer {
	t.Helper()
	if cfg.From == "" {
		cfg.From = testFrom
	}
	c, err := NewComposer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// parsed is a message read back with go-message.
type parsed struct {
	header mail.Header
	text   string
	html   string
	ctypes []string
	encs   []string
}

func parseMessage(t testing.TB, raw []byte) parsed {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not valid MIME: %v", err)
	}
	var p parsed
	p.header = mail.Header{Header: e.Header}
	mt, _, err := e.Header.ContentType()
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", mt, err)
	}
	mr := e.MultipartReader()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, params, _ := part.Header.ContentType()
		if params["charset"] != "utf-8" {
			t.Errorf("%s charset = %q, want utf-8", ct, params["charset"])
		}
		body, err := io.ReadAll(part.Body) // go-message decodes the transfer encoding
		if err != nil {
			t.Fatalf("read %s body: %v", ct, err)
		}
		p.ctypes = append(p.ctypes, ct)
		p.encs = append(p.encs, part.Header.Get("Content-Transfer-Encoding"))
		switch ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		}
	}
	return p
}

var hrefPattern = regexp.MustCompile(`href="([^"]*)"`)

func hrefs(htmlBody string) []string {
	var out []string
	for _, m := range hrefPattern.FindAllStringSubmatch(htmlBody, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func TestComposeStructureAndContent(t *testing.T) {
	c := newTestComposer(t, ComposerConfig{UnsubscribeMailbox: "unsubscribe@mail.example.jp"})
	cases := []struct {
		locale      string
		kind        Kind
		wave        string
		name        string
		subject     string
		greeting    string
		waveText    string
		date        string
		politeness  string
		langAttr    string
		textEncHint string
	}{
		{"ja", KindInvitation, "3m", "山田 太郎", "【株式会社サンプル】退職後3か月アンケートへのご協力のお願い（所要約5分）",
			"山田 太郎 様", "3か月がたちました", "2026年5月31日（日）", "ます。", `lang="ja"`, "base64"},
		{"ja-JP", KindInvitation, "6m", "", "【株式会社サンプル】退職後6か月アンケートへのご協力のお願い（所要約5分）",
			"株式会社サンプルを退職された皆さまへ", "半年がたちました", "2026年5月31日（日）", "です。", `lang="ja"`, "base64"},
		{"", KindReminder, "3m", "佐藤 花子", "【株式会社サンプル】（再送）退職後3か月アンケートへのご協力のお願い｜2026年5月31日（日）締切",
			"佐藤 花子 様", "退職後3か月", "2026年5月31日（日）", "ます。", `lang="ja"`, "base64"},
		{"en", KindInvitation, "3m", "Taro Yamada", "株式会社サンプル would value your view: a 5-minute survey, 3 months on",
			"Dear Taro Yamada,", "three months since you left", "Sunday, 31 May 2026", "Thank you", `lang="en"`, "quoted-printable"},
		{"en-US", KindInvitation, "6m", "", "株式会社サンプル would value your view: a 5-minute survey, 6 months on",
			"Dear former colleague,", "six months since you left", "Sunday, 31 May 2026", "Thank you", `lang="en"`, "quoted-printable"},
		{"en", KindReminder, "6m", "", "Reminder: the 株式会社サンプル alumni survey closes on Sunday, 31 May 2026",
			"Dear former colleague,", "6-month alumni survey", "Sunday, 31 May 2026", "Thank you", `lang="en"`, "quoted-printable"},
	}
	seenIDs := map[string]bool{}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.locale, tc.kind, tc.wave), func(t *testing.T) {
			m, err := c.Compose(sampleRequest(tc.locale, tc.kind, tc.wave, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			checkWireFormat(t, m.Raw)
			p := parseMessage(t, m.Raw)
			if want := []string{"text/plain", "text/html"}; strings.Join(p.ctypes, ",") != strings.Join(want, ",") {
				t.Fatalf("parts = %v, want %v", p.ctypes, want)
			}
			if p.encs[0] != tc.textEncHint {
				t.Errorf("text part encoding = %q, want %q", p.encs[0], tc.textEncHint)
			}

			subj, err := p.header.Subject()
			if err != nil || subj != tc.subject || m.Subject != tc.subject {
				t.Errorf("subject decodes to %q (%v), Message.Subject %q, want %q", subj, err, m.Subject, tc.subject)
			}
			to, err := p.header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != "taro.yamada@example.com" || to[0].Name != tc.name {
				t.Errorf("To = %v (%v)", to, err)
			}
			from, err := p.header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != testFrom || from[0].Name != testCompany {
				t.Errorf("From = %v (%v)", from, err)
			}
			if d, err := p.header.Date(); err != nil || time.Since(d) > time.Minute {
				t.Errorf("Date = %v (%v)", d, err)
			}
			id, err := p.header.MessageID()
			if err != nil || !strings.HasSuffix(id, "@mail.example.jp") || id != m.MessageID || seenIDs[id] {
				t.Errorf("Message-ID = %q (%v), Message.MessageID %q, seen before %v", id, err, m.MessageID, seenIDs[id])
			}
			seenIDs[id] = true
			if v := p.header.Get("Mime-Version"); v != "1.0" {
				t.Errorf("MIME-Version = %q", v)
			}
			wantLU := "<" + testOptOut + ">, <mailto:unsubscribe@mail.example.jp?subject=unsubscribe%20inv-0001>"
			if v := p.header.Get("List-Unsubscribe"); v != wantLU {
				t.Errorf("List-Unsubscribe = %q, want %q", v, wantLU)
			}
			if v := p.header.Get("List-Unsubscribe-Post"); v != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post = %q", v)
			}
			if v := p.header.Get(HeaderInvitation); v != "inv-0001" {
				t.Errorf("%s = %q", HeaderInvitation, v)
			}
			if v := p.header.Get(HeaderKind); v != string(tc.kind) {
				t.Errorf("%s = %q", HeaderKind, v)
			}
			if p.header.Has("Auto-Submitted") {
				t.Error("survey mail must not carry Auto-Submitted")
			}

			for _, want := range []string{tc.greeting, tc.waveText, tc.date, tc.politeness, testLink, testOptOut, "5"} {
				if !strings.Contains(p.text, want) {
					t.Errorf("text body lacks %q", want)
				}
			}
			if !strings.HasPrefix(p.text, tc.greeting) {
				t.Errorf("text body starts %q, want greeting %q", p.text[:min(40, len(p.text))], tc.greeting)
			}
			if !containsLine(p.text, testLink) {
				t.Errorf("text body has no line that is exactly the link %q", testLink)
			}
			if strings.Contains(p.text, "\n") && strings.Count(p.text, "\r\n") != strings.Count(p.text, "\n") {
				t.Error("text body has bare LF line ends")
			}
			links := hrefs(p.html)
			if len(links) < 2 || links[0] != testLink || links[1] != testLink || links[len(links)-1] != testOptOut {
				t.Errorf("html links = %q, want the survey link twice and the opt-out link last", links)
			}
			for _, want := range []string{tc.langAttr, tc.waveText, tc.date, `<meta charset="utf-8">`} {
				if !strings.Contains(p.html, want) {
					t.Errorf("html body lacks %q", want)
				}
			}
		})
	}
}

func containsLine(body, line string) bool {
	for _, l := range strings.Split(body, "\r\n") {
		if l == line {
			return true
		}
	}
	return false
}

// checkWireFormat asserts the raw message is 7-bit with CRLF line ends, lines within RFC 5322's 998
// limit, and the From, To and Subject fields folded within 78 columns.
func checkWireFormat(t testing.TB, raw []byte) {
	t.Helper()
	for i, b := range raw {
		if b >= 0x80 {
			t.Fatalf("byte %d is not ASCII: bodies and headers must be encoded", i)
		}
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d", i)
		}
	}
	header, _, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		t.Fatal("no end of header")
	}
	field := ""
	for _, line := range strings.Split(header, "\r\n") {
		if line[0] != ' ' && line[0] != '\t' {
			field, _, _ = strings.Cut(line, ":")
		}
		limit := 998
		if field == "From" || field == "To" || field == "Subject" {
			limit = 78
		}
		if len(line) > limit {
			t.Errorf("%s header line is %d long (limit %d): %q", field, len(line), limit, line)
		}
	}
	for n, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d long", n, len(line))
		}
	}
}

func TestComposeOverrides(t *testing.T) {
	overrides := fstest.MapFS{
		"acme/invitation.ja.html":  {Data: []byte(`<p>{{.CompanyName}} カスタム <a href="{{.LinkURL}}">回答</a></p>`)},
		"invitation.en.txt":        {Data: []byte(`{{define "subject"}}Site-wide {{.WaveMonths}}m{{end}}Hello {{.LinkURL}}`)},
		"broken/invitation.ja.txt": {Data: []byte(`no subject here {{.LinkURL}}`)},
		"typo/invitation.ja.html":  {Data: []byte(`{{.LinkUrl}}`)},
	}
	c := newTestComposer(t, ComposerConfig{Templates: overrides})

	m, err := c.Compose(sampleRequest("ja", KindInvitation, "3m", ""))
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, m.Raw)
	if !strings.Contains(p.html, "株式会社サンプル カスタム") || hrefs(p.html)[0] != testLink {
		t.Errorf("acme html override not used: %q", p.html)
	}
	if !strings.Contains(p.text, "3か月がたちました") {
		t.Error("acme text should fall back to the embedded default")
	}

	other := sampleRequest("ja", KindInvitation, "3m", "")
	other.TenantID = "globex"
	m, err = c.Compose(other)
	if err != nil {
		t.Fatal(err)
	}
	if p := parseMessage(t, m.Raw); strings.Contains(p.html, "カスタム") {
		t.Error("another tenant got acme's override")
	}

	m, err = c.Compose(sampleRequest("en", KindInvitation, "6m", ""))
	if err != nil {
		t.Fatal(err)
	}
	if p := parseMessage(t, m.Raw); m.Subject != "Site-wide 6m" || p.text != "Hello "+testLink {
		t.Errorf("site-wide override: subject %q, text %q", m.Subject, p.text)
	}

	for _, tenant := range []string{"broken", "typo"} {
		req := sampleRequest("ja", KindInvitation, "3m", "")
		req.TenantID = tenant
		if _, err := c.Compose(req); err == nil || !strings.Contains(err.Error(), tenant+"/invitation.ja.") {
			t.Errorf("tenant %s: err = %v, want an error naming the template", tenant, err)
		}
	}
}

func TestComposeEscapesHTML(t *testing.T) {
	c := newTestComposer(t, ComposerConfig{})
	req := sampleRequest("ja", KindInvitation, "3m", `<script>alert(1)</script>`)
	m, err := c.Compose(req)
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, m.Raw)
	if strings.Contains(p.html, "<script>") || !strings.Contains(p.html, "&lt;script&gt;") {
		t.Error("recipient name not escaped in HTML")
	}
	if !strings.Contains(p.text, "<script>alert(1)</script> 様") {
		t.Error("text body should carry the name verbatim")
	}
}

func TestComposeHeaderInjection(t *testing.T) {
	c := newTestComposer(t, ComposerConfig{})
	req := sampleRequest("ja", KindInvitation, "3m", "Taro\r\nBcc: victim@example.com")
	req.Data.CompanyName = "ACME\r\nBcc: victim@example.com"
	m, err := c.Compose(req)
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, m.Raw)
	if p.header.Has("Bcc") {
		t.Fatal("newline in data injected a header")
	}
}

func TestComposeValidation(t *testing.T) {
	c := newTestComposer(t, ComposerConfig{})
	cases := []struct {
		field  string
		mutate func(*Request)
	}{
		{"TenantID", func(r *Request) { r.TenantID = "../etc" }},
		{"TenantID", func(r *Request) { r.TenantID = "" }},
		{"InvitationID", func(r *Request) { r.InvitationID = "a\r\nb" }},
		{"Kind", func(r *Request) { r.Kind = "newsletter" }},
		{"To", func(r *Request) { r.To = "Taro <taro@example.com>" }},
		{"To", func(r *Request) { r.To = "not-an-address" }},
		{"Data.CompanyName", func(r *Request) { r.Data.CompanyName = " " }},
		{"Data.SurveyTitle", func(r *Request) { r.Data.SurveyTitle = "" }},
		{"Data.LinkURL", func(r *Request) { r.Data.LinkURL = "javascript:alert(1)" }},
		{"Data.LinkURL", func(r *Request) { r.Data.LinkURL = "/s/relative" }},
		{"Data.OptOutURL", func(r *Request) { r.Data.OptOutURL = "https://x.example/o/a,b" }},
		{"Data.OptOutURL", func(r *Request) { r.Data.OptOutURL = "https://x.example/o/a>" }},
		{"Data.CloseDate", func(r *Request) { r.Data.CloseDate = time.Time{} }},
		{"Data.Wave", func(r *Request) { r.Data.Wave = "12m" }},
	}
	for _, tc := range cases {
		req := sampleRequest("ja", KindInvitation, "3m", "")
		tc.mutate(&req)
		_, err := c.Compose(req)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v, want *ValidationError for that field", tc.field, err)
		}
	}
	if _, err := NewComposer(ComposerConfig{From: "Survey <s@example.jp>"}); err == nil {
		t.Error("NewComposer accepted a From with a display name")
	}
}

func TestEncodeWords(t *testing.T) {
	for _, s := range []string{
		"plain ASCII subject stays as it is",
		"【株式会社サンプル】退職後3か月アンケートへのご協力のお願い（所要約5分）— with English and 絵文字😀 mixed in",
		"a",
		"株",
	} {
		enc := encodeWords(s)
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(enc)
		if err != nil || got != s {
			t.Errorf("round trip of %q: %q (%v)", s, got, err)
		}
		for _, w := range strings.Fields(enc) {
			if !isASCII(s) && len(w) > 60 {
				t.Errorf("encoded word %q longer than 60", w)
			}
		}
	}
}

func TestDateFormats(t *testing.T) {
	d := time.Date(2026, 1, 4, 0, 30, 0, 0, jst)
	if got := dateJA(d); got != "2026年1月4日（日）" {
		t.Errorf("dateJA = %q", got)
	}
	if got := dateEN(d); got != "Sunday, 4 January 2026" {
		t.Errorf("dateEN = %q", got)
	}
	if got := dateJA(d.UTC()); got != "2026年1月3日（土）" {
		t.Errorf("dateJA formats in the time's own zone: got %q", got)
	}
}

// fakeDNS publishes DKIM public keys for dkim.VerifyWithOptions.
type fakeDNS map[string]string

func (f fakeDNS) lookupTXT(domain string) ([]string, error) {
	if v, ok := f[domain]; ok {
		return []string{v}, nil
	}
	return nil, fmt.Errorf("no TXT record for %s", domain)
}

func dkimRecord(t testing.TB, key crypto.Signer) string {
	t.Helper()
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	t.Fatalf("unexpected key %T", key)
	return ""
}

func testDKIMKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"rsa": rsaKey, "ed25519": edKey}
}

func verifyDKIM(raw []byte, dns fakeDNS) ([]*dkim.Verification, error) {
	return dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: dns.lookupTXT})
}

func TestDKIMSignatureVerifies(t *testing.T) {
	for name, key := range testDKIMKeys(t) {
		t.Run(name, func(t *testing.T) {
			c := newTestComposer(t, ComposerConfig{DKIM: &DKIMConfig{Selector: "ap2026", Key: key}})
			dns := fakeDNS{"ap2026._domainkey.mail.example.jp": dkimRecord(t, key)}
			m, err := c.Compose(sampleRequest("ja", KindInvitation, "3m", "山田 太郎"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(m.Raw, []byte("DKIM-Signature:")) {
				t.Fatal("no DKIM-Signature header")
			}
			vs, err := verifyDKIM(m.Raw, dns)
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("verify: %v, %+v", err, vs)
			}
			if vs[0].Domain != "mail.example.jp" {
				t.Errorf("d= %q", vs[0].Domain)
			}
			signed := strings.ToLower(strings.Join(vs[0].HeaderKeys, ":"))
			for _, h := range []string{"from", "subject", "list-unsubscribe", "list-unsubscribe-post", "x-alumnipulse-invitation"} {
				if !strings.Contains(signed, h) {
					t.Errorf("header %s not signed (h=%s)", h, signed)
				}
			}

			// The signature must catch a changed link or a changed List-Unsubscribe.
			tampered := bytes.Replace(m.Raw, []byte("opt-TOKEN_0123456789"), []byte("opt-TOKEN_9999999999"), 1)
			if vs, err := verifyDKIM(tampered, dns); err != nil || len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("tampered header still verifies: %v %+v", err, vs)
			}
			body := bytes.Index(m.Raw, []byte("\r\n\r\n"))
			tampered = append([]byte(nil), m.Raw...)
			tampered[len(tampered)-10] ^= 1
			if vs, err := verifyDKIM(tampered, dns); body < 0 || err != nil || len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("tampered body still verifies: %v %+v", err, vs)
			}
			// With the wrong key published, verification fails.
			other := fakeDNS{"ap2026._domainkey.mail.example.jp": dkimRecord(t, testDKIMKeys(t)[name])}
			if vs, err := verifyDKIM(m.Raw, other); err != nil || len(vs) != 1 || vs[0].Err == nil {
				t.Errorf("verifies against the wrong key: %v %+v", err, vs)
			}
		})
	}
}

func TestParseDKIMKey(t *testing.T) {
	keys := testDKIMKeys(t)
	rsaKey := keys["rsa"].(*rsa.PrivateKey)
	pkcs8RSA, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	pkcs8Ed, _ := x509.MarshalPKCS8PrivateKey(keys["ed25519"])
	cases := []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), true},
		{"pkcs8 rsa", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8RSA}), true},
		{"pkcs8 ed25519", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8Ed}), true},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), false},
		{"garbage", []byte("not pem"), false},
	}
	for _, tc := range cases {
		k, err := ParseDKIMKey(tc.pem)
		if (err == nil) != tc.ok || (tc.ok && k == nil) {
			t.Errorf("%s: key %T, err %v", tc.name, k, err)
		}
	}
}

// BenchmarkCompose measures rendering (templates parsed on every call) and MIME encoding of one message.
func BenchmarkCompose(b *testing.B) {
	c := newTestComposer(b, ComposerConfig{})
	req := sampleRequest("ja", KindInvitation, "3m", "山田 太郎")
	for b.Loop() {
		if _, err := c.Compose(req); err != nil {
			b.Fatal(err)
		}
	}
}
