package mail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Outbox is the Sender used when no SMTP relay is configured: each message becomes an .eml file in a
// folder, for HR to inspect (see ListOutbox). Files hold addresses, so the folder is private (0700).
type Outbox struct {
	dir string
}

var _ Sender = (*Outbox)(nil)

// OutboxEntry summarises one message in an outbox folder.
type OutboxEntry struct {
	File         string // base name inside the folder
	Time         time.Time
	To           string
	Subject      string // decoded
	InvitationID string
	Kind         Kind
}

// NewOutbox returns an Outbox writing into dir, creating it if needed.
func NewOutbox(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox %s: %w", dir, err)
	}
	return &Outbox{dir: dir}, nil
}

// Send writes m as <time>-<invitation>-<kind>.eml. The file appears whole or not at all: it is written
// under a temporary name, synced and renamed.
func (o *Outbox) Send(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m == nil || len(m.Raw) == 0 || !idPattern.MatchString(m.InvitationID) {
		return &ValidationError{Field: "Message", Reason: "needs Raw and a valid InvitationID"}
	}
	kind := string(m.Kind)
	if !idPattern.MatchString(kind) {
		kind = "mail"
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	name := fmt.Sprintf("%s-%s-%s.eml", date.UTC().Format("20060102T150405.000000000Z"), m.InvitationID, kind)

	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("outbox %s: %w", m.InvitationID, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(m.Raw); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox %s: %w", m.InvitationID, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox %s: %w", m.InvitationID, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox %s: %w", m.InvitationID, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.dir, name)); err != nil {
		return fmt.Errorf("outbox %s: %w", m.InvitationID, err)
	}
	return nil
}

// ListOutbox summarises the .eml files in dir, newest first. A missing folder is an empty outbox.
func ListOutbox(dir string) ([]OutboxEntry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list outbox %s: %w", dir, err)
	}
	var out []OutboxEntry
	for _, de := range des {
		name := de.Name()
		if de.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".eml") {
			continue
		}
		e, err := readOutboxEntry(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].File > out[j].File
	})
	return out, nil
}

func readOutboxEntry(path string) (OutboxEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("read outbox entry: %w", err)
	}
	defer f.Close()
	th, err := textproto.ReadHeader(bufio.NewReader(f))
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("read outbox entry %s: %w", filepath.Base(path), err)
	}
	h := mail.Header{Header: message.Header{Header: th}}
	e := OutboxEntry{
		File:         filepath.Base(path),
		InvitationID: h.Get(HeaderInvitation),
		Kind:         Kind(h.Get(HeaderKind)),
	}
	if e.Time, err = h.Date(); err != nil {
		return OutboxEntry{}, fmt.Errorf("read outbox entry %s: date: %w", e.File, err)
	}
	if e.Subject, err = h.Subject(); err != nil {
		return OutboxEntry{}, fmt.Errorf("read outbox entry %s: subject: %w", e.File, err)
	}
	to, err := h.AddressList("To")
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("read outbox entry %s: to: %w", e.File, err)
	}
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = a.Address
	}
	e.To = strings.Join(addrs, ", ")
	return e, nil
}
