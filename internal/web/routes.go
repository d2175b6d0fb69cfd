package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) routes() {
	e := s.engine
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	// Sign-in pages; s.pages carries the session, CSRF and page-role middleware for HR and leadership pages.
	s.pages = s.authRoutes(s.deps.Auth)
	e.GET("/", s.pages.sessionAuth(), func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/dash/overview") })

	s.dashRoutes(s.pages.sessionAuth(), s.pages.csrf())

	api := e.Group("/api/v1", s.apiKeyAuth())
	{
		api.GET("/alumni/:code", s.requireRole(hrRoles...), s.alumniGet)
		api.POST("/alumni/import", s.requireRole(roleAdmin), s.alumniImport)
		api.POST("/alumni/:code/erase", s.requireRole(roleAdmin), s.alumniErase)
		s.insightRoutes(api)
	}
	s.staticRoutes()
	s.surveyRoutes(api)
	// Wave pages for HR in the browser (sessions), the summary for API clients (keys).
	s.waveRoutes(e.Group("", s.pages.sessionAuth(), s.pages.csrf(), s.pages.requirePageRole(hrRoles...)),
		api.Group("", s.requireRole(hrRoles...)))
	e.NoRoute(func(c *gin.Context) {
		c.String(http.StatusNotFound, "404 page not found")
	})
}
