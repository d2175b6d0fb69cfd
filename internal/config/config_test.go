package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodSecret = "0123456789abcdef0123456789abcdef"

func TestLoadDefaults(t *testing.T) {
	c, err := LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": goodSecret})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":8080" || c.ClickHouse.Addr != "127.0.0.1:19000" || c.ClickHouse.Database != "alumnipulse" {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if c.SMTP.Host != "" || c.OutboxDir == "" {
		t.Errorf("default mail should go to the outbox, got host %q outbox %q", c.SMTP.Host, c.OutboxDir)
	}
}

func TestLoadNamesEveryBadSetting(t *testing.T) {
	_, err := LoadFrom(map[string]string{
		"ALUMNIPULSE_CLICKHOUSE_ADDR": "nohost",
		"ALUMNIPULSE_HTTP_ADDR":       "8080",
		"ALUMNIPULSE_BASE_URL":        "ftp://x",
		"ALUMNIPULSE_SMTP_TLS":        "maybe",
		"ALUMNIPULSE_SMTP_PORT":       "abc",
		"ALUMNIPULSE_LOG_LEVEL":       "loud",
	})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"CLICKHOUSE_ADDR", "HTTP_ADDR", "BASE_URL", "SMTP_TLS", "SMTP_PORT", "LOG_LEVEL", "SECRET"} {
		if !strings.Contains(err.Error(), "ALUMNIPULSE_"+name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(goodSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"file only", map[string]string{"ALUMNIPULSE_SECRET_FILE": path}, ""},
		{"both", map[string]string{"ALUMNIPULSE_SECRET_FILE": path, "ALUMNIPULSE_SECRET": goodSecret}, "both set"},
		{"missing file", map[string]string{"ALUMNIPULSE_SECRET_FILE": path + ".nope"}, "SECRET_FILE"},
		{"too short", map[string]string{"ALUMNIPULSE_SECRET": "short"}, "at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadFrom(tt.env)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Secret != goodSecret {
					t.Errorf("secret = %q", c.Secret)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
