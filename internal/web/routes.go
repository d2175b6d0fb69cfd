package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) routes() {
	e := s.engine
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	api := e.Group("/api/v1", s.apiKeyAuth())
	{
		api.GET("/alumni/:code", s.requireRole(hrRoles...), s.alumniGet)
		api.POST("/alumni/import", s.requireRole(roleAdmin), s.alumniImport)
		api.POST("/alumni/:code/erase", s.requireRole(roleAdmin), s.alumniErase)
		s.insightRoutes(api)
	}
	e.NoRoute(func(c *gin.Context) {
		c.String(http.StatusNotFound, "404 page not found")
	})
}
