package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOutboxRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestComposer(t, ComposerConfig{})
	base := time.Date(2026, 4, 1, 9, 0, 0, 0, jst)
	reqs := []Request{
		sampleRequest("ja", KindInvitation, "3m", "山田 太郎"),
		sampleRequest("en", KindReminder, "6m", ""),
		sampleRequest("ja", KindReminder, "3m", ""),
	}
	var sent []*Message
	for i, req := range reqs {
		req.InvitationID = "inv-" + string(rune('a'+i))
		req.To = "alumnus" + string(rune('a'+i)) + "@example.com"
		c.now = func() time.Time { return base.Add(time.Duration(i) * time.Minute) }
		m, err := c.Compose(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}

	entries, err := ListOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(sent) {
		t.Fatalf("listed %d entries, want %d", len(entries), len(sent))
	}
	for i, e := range entries {
		m := sent[len(sent)-1-i] // newest first
		if e.InvitationID != m.InvitationID || e.Kind != m.Kind || e.To != m.To || e.Subject != m.Subject ||
			!e.Time.Equal(m.Date.Truncate(time.Second)) {
			t.Errorf("entry %d = %+v, want invitation %s kind %s to %s subject %q time %v",
				i, e, m.InvitationID, m.Kind, m.To, m.Subject, m.Date)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil || !bytes.Equal(raw, m.Raw) {
			t.Errorf("%s does not hold the message bytes (%v)", e.File, err)
		}
		if fi, err := os.Stat(filepath.Join(dir, e.File)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v (%v), want 0600: it holds an address", e.File, fi.Mode(), err)
		}
	}
	if entries[2].Subject != "【株式会社サンプル】退職後3か月アンケートへのご協力のお願い（所要約5分）" {
		t.Errorf("Japanese subject decodes to %q", entries[2].Subject)
	}

	// Only finished .eml files are listed: no temporary files are left, and stray ones are ignored.
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".eml") || strings.HasPrefix(de.Name(), ".") {
			t.Errorf("unexpected file %s", de.Name())
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123.eml"), []byte("half a mess"), 0o600); err != nil {
		t.Fatal(err)
	}
	if entries, err := ListOutbox(dir); err != nil || len(entries) != len(sent) {
		t.Errorf("with a stray temp file: %d entries, %v", len(entries), err)
	}
}

func TestOutboxEdgeCases(t *testing.T) {
	entries, err := ListOutbox(filepath.Join(t.TempDir(), "never-created"))
	if err != nil || len(entries) != 0 {
		t.Errorf("missing folder: %v, %v; want an empty outbox", entries, err)
	}

	o, err := NewOutbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if err := o.Send(context.Background(), &Message{InvitationID: "../../etc/passwd", Raw: []byte("x")}); !errors.As(err, &ve) {
		t.Errorf("unsafe invitation id: err = %v, want *ValidationError", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, &Message{InvitationID: "inv-1", Raw: []byte("x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}
