package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
)

// AlumniService is what the alumni handlers need of the registry.
type AlumniService interface {
	Import(ctx context.Context, tenantID string, open func() (alumni.Source, error), opts alumni.ImportOptions) (alumni.ImportReport, error)
	Get(ctx context.Context, tenantID, employeeCode string) (alumni.Alumnus, error)
	EraseByCode(ctx context.Context, tenantID, employeeCode, actor string) error
}

// maxImportBytes bounds an import request body.
const maxImportBytes = 256 << 20

// alumniImport accepts a CSV (text/csv, UTF-8 or Shift_JIS) or JSON array (application/json) of alumni.
// Query: dry_run=1, strict=1. The body is spooled to a temporary file so a strict import can read it twice
// without holding it in memory.
func (s *Server) alumniImport(c *gin.Context) {
	ct := c.ContentType()
	isJSON := ct == "application/json"
	if !isJSON && ct != "text/csv" && ct != "application/octet-stream" {
		abortJSON(c, http.StatusUnsupportedMediaType, "send text/csv or application/json")
		return
	}
	tmp, err := os.CreateTemp("", "alumnipulse-import-*")
	if err != nil {
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "could not receive the file")
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes))
	if err != nil {
		abortJSON(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("body too large or interrupted after %d bytes: %v", n, err))
		return
	}
	opts := alumni.ImportOptions{DryRun: truthy(c.Query("dry_run")), Strict: truthy(c.Query("strict"))}
	open := func() (alumni.Source, error) {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if isJSON {
			return alumni.NewJSONReader(tmp, alumni.ReaderOptions{})
		}
		return alumni.NewReader(tmp, alumni.ReaderOptions{})
	}
	tenantID := tenantOf(c)
	rep, err := s.deps.Alumni.Import(c.Request.Context(), tenantID, open, opts)
	if err != nil {
		var he *alumni.HeaderError
		if errors.As(err, &he) {
			abortJSON(c, http.StatusUnprocessableEntity, err.Error())
			return
		}
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "import failed; nothing after the last completed batch was stored")
		return
	}
	if err := s.deps.Audit.Record(c.Request.Context(), audit.Entry{TenantID: tenantID, Actor: actorOf(c),
		Action: "alumni.import", Detail: fmt.Sprintf("rows=%d inserted=%d updated=%d problems=%d dry_run=%t strict=%t",
			rep.Rows, rep.Inserted, rep.Updated, len(rep.Problems), rep.DryRun, rep.Strict)}); err != nil {
		_ = c.Error(err)
	}
	status := http.StatusOK
	if opts.Strict && !rep.OK() {
		status = http.StatusUnprocessableEntity
	}
	c.JSON(status, importJSON(rep))
}

type problemJSON struct {
	Line    int    `json:"line,omitempty"`
	Index   *int   `json:"index,omitempty"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Warning bool   `json:"warning,omitempty"`
}

func importJSON(rep alumni.ImportReport) gin.H {
	problems := make([]problemJSON, 0, len(rep.Problems))
	for _, p := range rep.Problems {
		pj := problemJSON{Line: p.Line, Column: p.Column, Field: p.Field, Kind: string(p.Kind), Message: p.Error(), Warning: p.Warning}
		if p.Line == 0 {
			idx := p.Index
			pj.Index = &idx
		}
		problems = append(problems, pj)
	}
	return gin.H{
		"rows": rep.Rows, "valid": rep.Valid, "inserted": rep.Inserted, "updated": rep.Updated,
		"unchanged": rep.Unchanged, "skipped_erased": rep.SkippedErased, "dry_run": rep.DryRun,
		"strict": rep.Strict, "written": rep.Written, "problems": problems,
	}
}

// alumniGet returns an alumnus's HR attributes (no contact details: the API never hands out PII).
func (s *Server) alumniGet(c *gin.Context) {
	a, err := s.deps.Alumni.Get(c.Request.Context(), tenantOf(c), c.Param("code"))
	if err != nil {
		s.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"alumnus_id": a.ID, "employee_code": a.EmployeeCode, "department": a.Department, "job_family": a.JobFamily,
		"grade": a.Grade, "gender": a.Gender, "hire_date": a.HireDate, "exit_date": a.ExitDate,
		"exit_type": a.ExitType, "exit_reason": a.ExitReason, "regrettable": a.Regrettable,
		"rehire_eligible": a.RehireEligible, "locale": a.Locale, "consent": a.Consent,
		"has_email": a.Email != "", "opted_out": a.OptedOut, "erased": a.Erased, "bounced": a.Bounced,
	})
}

// alumniErase deletes a person's PII and stops every future survey to them.
func (s *Server) alumniErase(c *gin.Context) {
	if err := s.deps.Alumni.EraseByCode(c.Request.Context(), tenantOf(c), c.Param("code"), actorOf(c)); err != nil {
		s.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"erased": true})
}

// domainError maps a domain package's typed errors to HTTP statuses, in one place.
func (s *Server) domainError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, alumni.ErrNotFound):
		abortJSON(c, http.StatusNotFound, "no alumnus with that employee code")
	case errors.Is(err, alumni.ErrErased):
		abortJSON(c, http.StatusGone, "this person was erased")
	default:
		_ = c.Error(err)
		abortJSON(c, http.StatusInternalServerError, "internal error; it has been logged")
	}
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
