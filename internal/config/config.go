// Package config reads alumnipulse's settings from the environment (12-factor), with typed defaults and
// one validation step that names every bad setting at once.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Prefix starts every environment variable alumnipulse reads.
const Prefix = "ALUMNIPULSE_"

// Config is the whole of alumnipulse's configuration.
type Config struct {
	ClickHouse ClickHouse `envPrefix:"CLICKHOUSE_"`
	HTTP       HTTP       `envPrefix:"HTTP_"`
	SMTP       SMTP       `envPrefix:"SMTP_"`

	// BaseURL is where alumni and HR reach the service; links in mail are built on it.
	BaseURL string `env:"BASE_URL" envDefault:"http://localhost:8080"`
	// Secret is the master secret from which link-signing keys and pseudonymous ids are derived.
	Secret     string `env:"SECRET"`
	SecretFile string `env:"SECRET_FILE,file"`
	// OutboxDir receives mail as .eml files when no SMTP server is configured.
	OutboxDir string `env:"OUTBOX_DIR" envDefault:".data/outbox"`
	// SurveysDir and DashboardsDir, when set, override the embedded definitions.
	SurveysDir    string `env:"SURVEYS_DIR"`
	DashboardsDir string `env:"DASHBOARDS_DIR"`
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`
	// Scheduler turns the background wave scheduler and text analysis on in serve.
	Scheduler bool `env:"SCHEDULER" envDefault:"true"`
}

// ClickHouse is how to reach the database, over the native protocol.
type ClickHouse struct {
	Addr         string        `env:"ADDR" envDefault:"127.0.0.1:19000"`
	Database     string        `env:"DATABASE" envDefault:"alumnipulse"`
	User         string        `env:"USER" envDefault:"default"`
	Password     string        `env:"PASSWORD"`
	PasswordFile string        `env:"PASSWORD_FILE,file"`
	DialTimeout  time.Duration `env:"DIAL_TIMEOUT" envDefault:"5s"`
	MaxOpenConns int           `env:"MAX_OPEN_CONNS" envDefault:"16"`
}

// HTTP configures the web server.
type HTTP struct {
	Addr            string        `env:"ADDR" envDefault:":8080"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// TrustedProxies lists proxy addresses whose X-Forwarded-For is believed (comma separated).
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
}

// SMTP configures outgoing mail; with no Host, mail goes to OutboxDir.
type SMTP struct {
	Host         string `env:"HOST"`
	Port         int    `env:"PORT" envDefault:"587"`
	Username     string `env:"USERNAME"`
	Password     string `env:"PASSWORD"`
	PasswordFile string `env:"PASSWORD_FILE,file"`
	// TLS is none, starttls or implicit.
	TLS  string `env:"TLS" envDefault:"starttls"`
	From string `env:"FROM" envDefault:"alumni@alumnipulse.localhost"`
	// RatePerSecond limits messages per tenant; 0 means unlimited.
	RatePerSecond float64 `env:"RATE_PER_SECOND" envDefault:"10"`
	PoolSize      int     `env:"POOL_SIZE" envDefault:"4"`
	// DKIMKeyFile, DKIMDomain and DKIMSelector turn DKIM signing on.
	DKIMKeyFile  string `env:"DKIM_KEY_FILE"`
	DKIMDomain   string `env:"DKIM_DOMAIN"`
	DKIMSelector string `env:"DKIM_SELECTOR"`
}

// Load reads the configuration from the environment and validates it. The error names every bad setting.
func Load() (Config, error) {
	return LoadFrom(nil)
}

// LoadFrom is Load with an explicit environment (nil means the process environment).
func LoadFrom(environ map[string]string) (Config, error) {
	var c Config
	opts := env.Options{Prefix: Prefix}
	if environ != nil {
		opts.Environment = environ
	}
	var errs []error
	if err := env.ParseWithOptions(&c, opts); err != nil {
		var agg env.AggregateError
		if errors.As(err, &agg) {
			errs = append(errs, agg.Errors...)
		} else {
			errs = append(errs, err)
		}
	}
	c.Secret = strings.TrimSpace(pick(&errs, "SECRET", c.Secret, c.SecretFile))
	c.ClickHouse.Password = pick(&errs, "CLICKHOUSE_PASSWORD", c.ClickHouse.Password, c.ClickHouse.PasswordFile)
	c.SMTP.Password = pick(&errs, "SMTP_PASSWORD", c.SMTP.Password, c.SMTP.PasswordFile)
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// pick resolves a secret given either directly or through its *_FILE variable.
func pick(errs *[]error, name, direct, fromFile string) string {
	fromFile = strings.TrimRight(fromFile, "\r\n")
	if direct != "" && fromFile != "" {
		*errs = append(*errs, fmt.Errorf("%s%s and %s%s_FILE are both set; use one", Prefix, name, Prefix, name))
	}
	if direct != "" {
		return direct
	}
	return fromFile
}

func (c Config) validate() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", Prefix, name, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.ClickHouse.Addr); err != nil {
		bad("CLICKHOUSE_ADDR", "want host:port, got %q", c.ClickHouse.Addr)
	}
	if c.ClickHouse.Database == "" || strings.ContainsAny(c.ClickHouse.Database, "`'\" .;") {
		bad("CLICKHOUSE_DATABASE", "want a plain database name, got %q", c.ClickHouse.Database)
	}
	if c.ClickHouse.MaxOpenConns < 1 {
		bad("CLICKHOUSE_MAX_OPEN_CONNS", "must be at least 1")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("HTTP_ADDR", "want [host]:port, got %q", c.HTTP.Addr)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BASE_URL", "want an absolute http(s) URL, got %q", c.BaseURL)
	}
	if len(c.Secret) < 32 {
		bad("SECRET", "must be at least 32 characters (set it or %sSECRET_FILE; `make run` generates one)", Prefix)
	}
	switch c.SMTP.TLS {
	case "none", "starttls", "implicit":
	default:
		bad("SMTP_TLS", "want none, starttls or implicit, got %q", c.SMTP.TLS)
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		bad("SMTP_PORT", "want 1-65535, got %d", c.SMTP.Port)
	}
	if c.SMTP.RatePerSecond < 0 {
		bad("SMTP_RATE_PER_SECOND", "must not be negative")
	}
	if c.SMTP.PoolSize < 1 {
		bad("SMTP_POOL_SIZE", "must be at least 1")
	}
	if (c.SMTP.DKIMKeyFile != "") != (c.SMTP.DKIMDomain != "" && c.SMTP.DKIMSelector != "") {
		bad("SMTP_DKIM_KEY_FILE", "DKIM needs the key file, the domain and the selector together")
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		bad("LOG_LEVEL", "%v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", "want text or json, got %q", c.LogFormat)
	}
	if c.HTTP.ShutdownTimeout <= 0 {
		bad("HTTP_SHUTDOWN_TIMEOUT", "must be positive")
	}
	return errs
}

// ParseLevel turns a level name into a slog.Level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error, got %q", s)
	}
	return l, nil
}
