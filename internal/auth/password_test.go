package auth_test

import (
	"strings"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/auth"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery", auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=1$") {
		t.Errorf("hash %q: want a PHC argon2id string with the default parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery", auth.DefaultParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse batter", false},
		{"Correct horse battery", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := auth.VerifyPassword(tt.password, h)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tt.password, got, err, tt.want)
		}
	}
	// Hashes keep verifying after the defaults change: the parameters travel in the string.
	cheap := auth.Params{Memory: 8 * 1024, Time: 2, Threads: 2}
	hc, _ := auth.HashPassword("パスワード１２３４５", cheap)
	if ok, err := auth.VerifyPassword("パスワード１２３４５", hc); !ok || err != nil {
		t.Errorf("verify with other parameters: %v, %v", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := auth.HashPassword("x", auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1})
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=65536,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$" + strings.Join(parts[3:], "$"),
		"$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5], // 4 GiB: refused, not allocated
		"$argon2id$v=19$m=65536,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=65536,t=1,p=1$" + parts[4] + "$short",
	} {
		if ok, err := auth.VerifyPassword("x", bad); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tt := range []struct {
		pw string
		ok bool
	}{{"short", false}, {"0123456789", true}, {"ながいパスワードです！", true}, {strings.Repeat("x", 257), false}} {
		if err := auth.ValidatePassword(tt.pw); (err == nil) != tt.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{" Taro@Example.JP ", "taro@example.jp"},
		{"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"},
		{"Taro <taro@example.jp>", ""},
		{"not an address", ""},
	} {
		got, err := auth.NormalizeEmail(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// BenchmarkHashPassword measures one argon2id hash with the default parameters (the sign-in cost).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery", auth.DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
