package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Keys of values handlers read from the gin context.
const (
	ctxRequestID = "request_id"
	ctxTenant    = "tenant"
	ctxRole      = "role"
	ctxActor     = "actor"
)

const roleAdmin = tenant.RoleHRAdmin

var (
	hrRoles  = []tenant.Role{tenant.RoleHRAdmin, tenant.RoleHRViewer}
	allRoles = []tenant.Role{tenant.RoleHRAdmin, tenant.RoleHRViewer, tenant.RoleLeadership}
)

// apiKeyAuth admits requests with a valid "Authorization: Bearer ap_…" key and binds them to its tenant.
func (s *Server) apiKeyAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || token == "" {
			c.Header("WWW-Authenticate", `Bearer realm="alumnipulse"`)
			abortJSON(c, http.StatusUnauthorized, "missing API key: send Authorization: Bearer <key>")
			return
		}
		key, err := s.deps.Tenants.Authenticate(c.Request.Context(), token)
		if err != nil {
			if errors.Is(err, tenant.ErrNotFound) {
				c.Header("WWW-Authenticate", `Bearer realm="alumnipulse", error="invalid_token"`)
				abortJSON(c, http.StatusUnauthorized, "invalid or revoked API key")
				return
			}
			_ = c.Error(err)
			abortJSON(c, http.StatusServiceUnavailable, "could not check the API key; try again")
			return
		}
		c.Set(ctxTenant, key.TenantID)
		c.Set(ctxRole, key.Role)
		c.Set(ctxActor, "apikey:"+key.KeyID)
		c.Next()
	}
}

// requireRole admits only the given roles.
func (s *Server) requireRole(roles ...tenant.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, _ := c.Get(ctxRole)
		role, _ := r.(tenant.Role)
		if !slices.Contains(roles, role) {
			abortJSON(c, http.StatusForbidden, "your role may not do this")
			return
		}
		c.Next()
	}
}

func tenantOf(c *gin.Context) string { return c.GetString(ctxTenant) }
func actorOf(c *gin.Context) string  { return c.GetString(ctxActor) }

func abortJSON(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}
