package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/invite"
)

var wavePattern = regexp.MustCompile(`^[1-9][0-9]?m$`)

type invitationRequest struct {
	EmployeeCode string    `json:"employee_code"`
	Wave         string    `json:"wave"`
	SurveyID     string    `json:"survey_id"` // default: alumni-<wave>
	Locale       string    `json:"locale"`    // default: the alumnus's
	ClosesAt     time.Time `json:"closes_at"` // default: 28 days from now
}

// SurveyLink is the URL of an invitation's survey form.
func SurveyLink(baseURL, token string) string { return strings.TrimRight(baseURL, "/") + "/s/" + token }

// OptOutLink is the URL of an invitation's opt-out page (also the RFC 8058 one-click target).
func OptOutLink(baseURL, token string) string { return strings.TrimRight(baseURL, "/") + "/o/" + token }

// invitationCreate creates (or returns the existing) invitation of an alumnus to a wave's survey and
// answers with its link. Body: {"employee_code": "E1", "wave": "3m"}; optional survey_id, locale, closes_at.
func (s *Server) invitationCreate(c *gin.Context) {
	var req invitationRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		abortJSON(c, http.StatusBadRequest, "send JSON: {\"employee_code\": \"…\", \"wave\": \"3m\"}: "+err.Error())
		return
	}
	if req.EmployeeCode == "" || !wavePattern.MatchString(req.Wave) {
		abortJSON(c, http.StatusUnprocessableEntity, "employee_code is required and wave must be like 3m or 6m")
		return
	}
	if req.SurveyID == "" {
		req.SurveyID = "alumni-" + req.Wave
	}
	if _, ok := s.deps.Survey.Catalog.Get(req.SurveyID); !ok {
		abortJSON(c, http.StatusUnprocessableEntity, fmt.Sprintf("no survey %q is loaded", req.SurveyID))
		return
	}
	if req.Locale != "" && req.Locale != langJA && req.Locale != langEN {
		abortJSON(c, http.StatusUnprocessableEntity, "locale must be ja or en")
		return
	}
	ctx := c.Request.Context()
	tenantID := tenantOf(c)
	invs := s.deps.Survey.Invites
	alumnusID := s.deps.Survey.Alumni.AlumnusID(tenantID, req.EmployeeCode)
	_, err := invs.Get(ctx, tenantID, invs.ID(tenantID, alumnusID, req.SurveyID, req.Wave))
	created := errors.Is(err, invite.ErrNotFound)
	if err != nil && !created {
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "could not read invitations; it has been logged")
		return
	}
	inv, err := invs.Create(ctx, invite.Invitation{TenantID: tenantID, AlumnusID: alumnusID, SurveyID: req.SurveyID,
		Wave: req.Wave, Locale: req.Locale, ClosesAt: req.ClosesAt})
	switch {
	case errors.Is(err, alumni.ErrNotFound):
		abortJSON(c, http.StatusNotFound, "no alumnus with that employee code")
		return
	case errors.Is(err, alumni.ErrErased):
		abortJSON(c, http.StatusGone, "this person was erased")
		return
	case errors.Is(err, alumni.ErrNotSurveyable):
		abortJSON(c, http.StatusConflict, err.Error())
		return
	case err != nil:
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "could not create the invitation; it has been logged")
		return
	}
	token, err := s.deps.Survey.Invites.Token(ctx, inv)
	if err != nil {
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "could not sign the link; it has been logged")
		return
	}
	if created {
		if err := s.deps.Audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actorOf(c), Action: "invitation.create",
			Target: inv.ID.String(), Detail: "survey=" + inv.SurveyID + " wave=" + inv.Wave}); err != nil {
			_ = c.Error(err)
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{
		"invitation_id": inv.ID, "survey_id": inv.SurveyID, "wave": inv.Wave, "locale": inv.Locale,
		"due_at": inv.DueAt, "closes_at": inv.ClosesAt, "created": created,
		"url": SurveyLink(s.cfg.BaseURL, token), "opt_out_url": OptOutLink(s.cfg.BaseURL, token),
	})
}
