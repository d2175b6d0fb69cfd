// Package tenant holds the companies that use alumnipulse, their settings and their API keys.
//
// Every row alumnipulse stores carries a tenant id, and every query filters on it; a caller learns its
// tenant only from an authenticated credential (an API key, a session, a signed survey link).
package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// ErrNotFound is returned when a tenant or key does not exist.
var ErrNotFound = errors.New("not found")

// Role is what a user or API key may do within its tenant.
type Role string

// The roles of DESIGN.md.
const (
	RoleHRAdmin    Role = "hr_admin"
	RoleHRViewer   Role = "hr_viewer"
	RoleLeadership Role = "leadership"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleHRAdmin || r == RoleHRViewer || r == RoleLeadership
}

// Tenant is one company.
type Tenant struct {
	ID            string
	Name          string
	TimeZone      string
	DefaultLocale string
	Settings      Settings
	CreatedAt     time.Time
}

// Settings are a tenant's adjustable policies. Zero values mean the defaults.
type Settings struct {
	// MinGroupSize is the smallest group any breakdown may show (default 5).
	MinGroupSize int `json:"min_group_size,omitempty"`
	// MinCommentGroupSize is the smallest group whose comments may be listed (default 10).
	MinCommentGroupSize int `json:"min_comment_group_size,omitempty"`
	// LinkKeyID is the key id new survey links are signed with; OldLinkKeyIDs still verify.
	LinkKeyID     string   `json:"link_key_id,omitempty"`
	OldLinkKeyIDs []string `json:"old_link_key_ids,omitempty"`
	// Waves holds the wave schedule settings (offsets, send hour, reminders) as the wave package reads them.
	Waves json.RawMessage `json:"waves,omitempty"`
	// Themes is the tenant's theme-rule dictionary (YAML) when it replaces the default.
	Themes string `json:"themes,omitempty"`
}

// WithDefaults fills zero values with the defaults.
func (s Settings) WithDefaults() Settings {
	if s.MinGroupSize == 0 {
		s.MinGroupSize = 5
	}
	if s.MinCommentGroupSize == 0 {
		s.MinCommentGroupSize = 10
	}
	if s.LinkKeyID == "" {
		s.LinkKeyID = "k1"
	}
	return s
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// ValidateID checks a tenant id: lower-case letters, digits and hyphens, 2-40 characters.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("tenant id %q: want 2-40 lower-case letters, digits or hyphens, starting with a letter", id)
	}
	return nil
}

// Validate checks a tenant before it is stored.
func (t Tenant) Validate() error {
	var errs []error
	if err := ValidateID(t.ID); err != nil {
		errs = append(errs, err)
	}
	if t.Name == "" {
		errs = append(errs, errors.New("tenant name: required"))
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "" {
		errs = append(errs, fmt.Errorf("tenant time zone %q: not a known IANA zone", t.TimeZone))
	}
	if t.DefaultLocale != "ja" && t.DefaultLocale != "en" {
		errs = append(errs, fmt.Errorf("tenant default locale %q: want ja or en", t.DefaultLocale))
	}
	s := t.Settings
	if s.MinGroupSize != 0 && s.MinGroupSize < 3 {
		errs = append(errs, fmt.Errorf("min_group_size %d: must be at least 3", s.MinGroupSize))
	}
	if s.MinCommentGroupSize != 0 && s.MinCommentGroupSize < s.WithDefaults().MinGroupSize {
		errs = append(errs, fmt.Errorf("min_comment_group_size %d: must be at least min_group_size", s.MinCommentGroupSize))
	}
	return errors.Join(errs...)
}

// Location returns the tenant's time zone (Asia/Tokyo when unset or unknown).
func (t Tenant) Location() *time.Location {
	if loc, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		return loc
	}
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}
