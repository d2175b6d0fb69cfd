package web

import (
	"context"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Deps are the domain services the handlers call.
type Deps struct {
	Tenants *tenant.Store
	Audit   *audit.Log
	Alumni  AlumniService
	Auth    AuthService // sign-in, sessions, invitations, TOTP
	Survey  SurveyDeps
	Waves   WaveService
	Insight InsightService
	// Dashboards renders the HR and leadership dashboard pages (nil: no /dash routes).
	Dashboards *dashboard.Service
	// Ready reports whether the service can do its work (database reachable, migrations applied).
	Ready func(ctx context.Context) error
}
