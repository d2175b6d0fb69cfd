package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed static
var authStaticFS embed.FS

// authStaticRoutes serves the embedded static files (app.css, …) under /static/, without directory
// listings. Register it once; if another part of the server already serves /static/, drop this.
func (s *Server) authStaticRoutes() {
	files, err := fs.Sub(authStaticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	s.engine.GET("/static/*filepath", func(c *gin.Context) {
		name := strings.TrimPrefix(c.Param("filepath"), "/")
		if st, err := fs.Stat(files, name); name == "" || err != nil || st.IsDir() {
			c.String(http.StatusNotFound, "404 page not found")
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		c.FileFromFS(name, http.FS(files))
	})
}
