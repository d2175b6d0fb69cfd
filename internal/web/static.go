package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// staticFS holds the stylesheets and scripts pages link to; pages carry no inline script or style (the
// Content-Security-Policy forbids both).
//
//go:embed static
var staticFS embed.FS

// asset is one static file, read once.
type asset struct {
	data    []byte
	ctype   string
	version string // a content hash: the ?v= of its URL, and its ETag
}

// assets reads every static file once; the table never changes after start.
var assets = sync.OnceValue(func() map[string]asset {
	out := map[string]asset{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		out[strings.TrimPrefix(p, "static/")] = asset{data: data, ctype: ctype, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	return out
})

// assetURL is the URL of a static file with its content hash, so a browser may cache it for good and
// still picks up a new release at once.
func assetURL(name string) string {
	a, ok := assets()[name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + a.version
}

// staticRoutes serves the embedded static files under /static/.
func (s *Server) staticRoutes() {
	s.engine.GET("/static/*file", func(c *gin.Context) {
		a, ok := assets()[strings.TrimPrefix(c.Param("file"), "/")]
		if !ok {
			c.String(http.StatusNotFound, "404 page not found")
			return
		}
		h := c.Writer.Header()
		etag := `"` + a.version + `"`
		h.Set("ETag", etag)
		if c.Query("v") == a.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if c.GetHeader("If-None-Match") == etag {
			c.Status(http.StatusNotModified)
			return
		}
		c.Data(http.StatusOK, a.ctype, a.data)
	})
}
