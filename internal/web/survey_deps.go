package web

import (
	"context"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// SurveyInvitations is what the survey pages and the invitations API need of the invitation store.
type SurveyInvitations interface {
	Resolve(ctx context.Context, token string) (invite.Invitation, error)
	ID(tenantID string, alumnusID uuid.UUID, surveyID, wave string) uuid.UUID
	Get(ctx context.Context, tenantID string, id uuid.UUID) (invite.Invitation, error)
	Create(ctx context.Context, inv invite.Invitation) (invite.Invitation, error)
	Token(ctx context.Context, inv invite.Invitation) (string, error)
	Record(ctx context.Context, inv invite.Invitation, e invite.Event, seq int, detail string) error
}

// SurveyAlumni is what the survey pages need of the alumni registry.
type SurveyAlumni interface {
	AlumnusID(tenantID, employeeCode string) uuid.UUID
	GetByID(ctx context.Context, tenantID string, id uuid.UUID) (alumni.Alumnus, error)
	RecordEvent(ctx context.Context, tenantID string, id uuid.UUID, event, detail string) error
}

// SurveyAnswers stores submissions and reads back the current answers of a response (answer.Writer).
type SurveyAnswers interface {
	Write(ctx context.Context, s answer.Submission) error
	LatestOf(ctx context.Context, tenantID string, s *survey.Survey, responseID uuid.UUID) (map[string]answer.Row, error)
}

// SurveyEvents records invitation events off the request path (invite.Recorder).
type SurveyEvents interface {
	Record(ctx context.Context, inv invite.Invitation, e invite.Event, detail string) error
}

// SurveyDeps are what the alumni survey pages need. With a nil Catalog the pages are not served.
type SurveyDeps struct {
	Catalog *survey.Catalog
	Invites SurveyInvitations
	Alumni  SurveyAlumni
	Answers SurveyAnswers
	Events  SurveyEvents
	Limits  SurveyLimits
	// Now is the clock that decides whether an invitation has closed; time.Now when nil.
	Now func() time.Time
}

// SurveyLimits bound how often one address and one link may hit the survey pages. Zero values take the
// defaults: an address 2 requests a second with bursts of 40 (several alumni may share an office or
// mobile carrier address), a link 1 every 2 seconds with bursts of 20 (one person filling one form).
type SurveyLimits struct {
	PerIP      rate.Limit
	IPBurst    int
	PerToken   rate.Limit
	TokenBurst int
	// Off turns the limits off, for load tests from one address.
	Off bool
}

func (l SurveyLimits) withDefaults() SurveyLimits {
	if l.PerIP <= 0 {
		l.PerIP = 2
	}
	if l.IPBurst <= 0 {
		l.IPBurst = 40
	}
	if l.PerToken <= 0 {
		l.PerToken = 0.5
	}
	if l.TokenBurst <= 0 {
		l.TokenBurst = 20
	}
	return l
}
