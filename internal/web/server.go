// Package web is alumnipulse's HTTP layer on Gin: the alumni survey pages, HR and leadership pages, and
// the JSON API under /api/v1. Handlers are thin: they read the request, call a domain package and map
// its result or typed error to a response. Gin is imported here and nowhere below.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"

	"github.com/alumnipulse/alumnipulse/internal/config"
)

// Server serves alumnipulse over HTTP.
type Server struct {
	cfg     config.Config
	deps    Deps
	log     *slog.Logger
	engine  *gin.Engine
	handler http.Handler // engine behind compression
	pages   *authPages
}

// New builds the server and its routes.
func New(cfg config.Config, deps Deps, log *slog.Logger) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(cfg.HTTP.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	s := &Server{cfg: cfg, deps: deps, log: log, engine: e}
	e.Use(s.recoverer(), s.requestLog(), securityHeaders())
	s.routes()
	h, err := compressed(e)
	if err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

// compressed answers with gzip or zstd, when the client accepts it, under /static/ (the ECharts script is
// 1 MB, 330 kB compressed) and /api/ (JSON reports and exports). HTML pages are sent as they are: they
// carry a CSRF token beside text the request can put there (filters, typed answers), the ingredients of a
// BREACH attack on compressed HTTPS responses.
func compressed(next http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024))
	if err != nil {
		return nil, fmt.Errorf("compression: %w", err)
	}
	gz := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/api/") {
			gz.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}), nil
}

// Handler returns the HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves on the configured address until ctx is cancelled, then shuts down gracefully: the listener
// closes at once and in-flight requests get up to the shutdown timeout to finish.
func (s *Server) Run(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.HTTP.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", "timeout", s.cfg.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
