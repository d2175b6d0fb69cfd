package auth

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPEnrolment is what a user needs to add alumnipulse to an authenticator app.
type TOTPEnrolment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL
	QRPNG  []byte // the URL as a QR code image
}

const totpPeriod = 30

// BeginTOTP starts two-step enrolment: it stores a new secret, not yet required at sign-in, and returns
// it. Called again before ConfirmTOTP it returns the same pending secret, so a wrong code can be retried
// with the app already set up. A user who has TOTP enabled gets ErrTOTPEnabled.
func (s *Service) BeginTOTP(ctx context.Context, tenantID, userID string) (TOTPEnrolment, error) {
	r, err := s.userByID(ctx, tenantID, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if r.totpEnabled == 1 {
		return TOTPEnrolment{}, ErrTOTPEnabled
	}
	var raw []byte
	if r.totpSecret != "" {
		if raw, err = s.openTOTP(r); err != nil {
			return TOTPEnrolment{}, err
		}
	} else {
		raw = make([]byte, 20)
		if _, err := rand.Read(raw); err != nil {
			return TOTPEnrolment{}, fmt.Errorf("totp secret: %w", err)
		}
		if r.totpSecret, err = s.sealTOTP(r, raw); err != nil {
			return TOTPEnrolment{}, err
		}
		if err := s.putUser(ctx, &r); err != nil {
			return TOTPEnrolment{}, fmt.Errorf("store totp secret: %w", err)
		}
	}
	// The account label is the user's own address: it is shown only to them, and it is what they will
	// recognise in the app. The tenant goes in the issuer, since neither part may hold a colon.
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.opt.Issuer + " (" + r.tenantID + ")", AccountName: r.email,
		Secret: raw, Period: totpPeriod})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP checks a code from the app against the pending secret and, when it matches, makes TOTP
// required at every later sign-in.
func (s *Service) ConfirmTOTP(ctx context.Context, tenantID, userID, code string) error {
	r, err := s.userByID(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	if r.totpEnabled == 1 {
		return ErrTOTPEnabled
	}
	if r.totpSecret == "" {
		return ErrInvalidCode
	}
	raw, err := s.openTOTP(r)
	if err != nil {
		return err
	}
	if matchTOTP(raw, code, s.now()) == 0 {
		return ErrInvalidCode
	}
	r.totpEnabled = 1
	if err := s.putUser(ctx, &r); err != nil {
		return fmt.Errorf("enable totp: %w", err)
	}
	return s.record(ctx, tenantID, "user:"+r.id, "auth.totp_enable", r.id, "")
}

// matchTOTP returns the time step a code is valid for (the current one or one either side, for clock
// drift), or 0 when it matches none. The step lets the caller refuse a code used before.
func matchTOTP(secret []byte, code string, now time.Time) uint64 {
	code = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r >= '０' && r <= '９' { // full-width digits from a Japanese IME
			return '0' + (r - '０')
		}
		return -1
	}, code)
	if len(code) != 6 {
		return 0
	}
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	step := uint64(now.Unix()) / totpPeriod
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, st := range []uint64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(b32, time.Unix(int64(st*totpPeriod), 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st
		}
	}
	return 0
}

// sealTOTP encrypts a TOTP secret with AES-GCM under a key derived from the app secret, bound to its
// tenant and user, so a copy of the users table alone does not let anyone make codes.
func (s *Service) sealTOTP(r userRow, raw []byte) (string, error) {
	gcm, err := s.totpAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("totp nonce: %w", err)
	}
	sealed := gcm.Seal(nonce, nonce, raw, []byte(r.tenantID+"\x00"+r.id))
	return base64.RawStdEncoding.EncodeToString(sealed), nil
}

func (s *Service) openTOTP(r userRow) ([]byte, error) {
	gcm, err := s.totpAEAD()
	if err != nil {
		return nil, err
	}
	sealed, err := base64.RawStdEncoding.DecodeString(r.totpSecret)
	if err != nil || len(sealed) < gcm.NonceSize() {
		return nil, fmt.Errorf("totp secret of user %s: malformed", r.id)
	}
	n := gcm.NonceSize()
	raw, err := gcm.Open(nil, sealed[:n], sealed[n:], []byte(r.tenantID+"\x00"+r.id))
	if err != nil {
		return nil, fmt.Errorf("totp secret of user %s: cannot decrypt (was the app secret changed?): %w", r.id, err)
	}
	return raw, nil
}

func (s *Service) totpAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.totpKey)
	if err != nil {
		return nil, fmt.Errorf("totp cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
