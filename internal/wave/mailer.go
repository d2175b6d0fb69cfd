package wave

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/mail"
)

// Mailer is how the scheduler composes and delivers mail.
type Mailer struct {
	Composer *mail.Composer
	Sender   mail.Sender
	// OutboxDir is set when Sender is the development outbox: a send whose outcome a crash left
	// unknown is then looked up there instead of being given up.
	OutboxDir string
	// Close releases the sender's connections.
	Close func() error
}

// NewMailer builds the mailer from the configuration: SMTP through ALUMNIPULSE_SMTP_HOST when it is set,
// else .eml files in ALUMNIPULSE_OUTBOX_DIR.
func NewMailer(cfg config.Config, log *slog.Logger) (Mailer, error) {
	cc := mail.ComposerConfig{From: cfg.SMTP.From}
	if cfg.SMTP.DKIMKeyFile != "" {
		pemBytes, err := os.ReadFile(cfg.SMTP.DKIMKeyFile)
		if err != nil {
			return Mailer{}, fmt.Errorf("dkim key: %w", err)
		}
		key, err := mail.ParseDKIMKey(pemBytes)
		if err != nil {
			return Mailer{}, err
		}
		cc.DKIM = &mail.DKIMConfig{Domain: cfg.SMTP.DKIMDomain, Selector: cfg.SMTP.DKIMSelector, Key: key}
	}
	composer, err := mail.NewComposer(cc)
	if err != nil {
		return Mailer{}, err
	}
	if cfg.SMTP.Host == "" {
		ob, err := mail.NewOutbox(cfg.OutboxDir)
		if err != nil {
			return Mailer{}, err
		}
		return Mailer{Composer: composer, Sender: ob, OutboxDir: cfg.OutboxDir, Close: func() error { return nil }}, nil
	}
	smtp, err := mail.NewSMTP(mail.SMTPConfig{
		Host:          cfg.SMTP.Host,
		Port:          cfg.SMTP.Port,
		Username:      cfg.SMTP.Username,
		Password:      cfg.SMTP.Password,
		TLS:           mail.TLSMode(cfg.SMTP.TLS),
		From:          cfg.SMTP.From,
		PoolSize:      cfg.SMTP.PoolSize,
		RatePerSecond: cfg.SMTP.RatePerSecond,
	}, log)
	if err != nil {
		return Mailer{}, err
	}
	return Mailer{Composer: composer, Sender: smtp, Close: smtp.Close}, nil
}
