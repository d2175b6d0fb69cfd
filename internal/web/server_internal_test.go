package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/config"
)

// TestGracefulShutdownFinishesInFlightRequests cancels the server's context while a request is being
// served: the request must complete, and new connections must be refused.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": "0123456789abcdef0123456789abcdef", "ALUMNIPULSE_HTTP_ADDR": "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Deps{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	s.engine.GET("/slow", func(c *gin.Context) {
		close(entered)
		time.Sleep(300 * time.Millisecond)
		c.String(http.StatusOK, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx, func(a net.Addr) { addrc <- a }) }()
	addr := (<-addrc).String()

	type result struct {
		status int
		body   string
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		resc <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	cancel()
	r := <-resc
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Errorf("in-flight request: %+v, want 200 done", r)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// TestCompression: static assets and API responses are compressed for clients that accept it; HTML pages
// never are (BREACH), nor anything for clients that do not ask.
func TestCompression(t *testing.T) {
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Deps{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("アルムナイ ", 2000)
	s.engine.GET("/api/v1/test-big", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"text": big}) })
	s.engine.GET("/test-page", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(big)) })
	tests := []struct {
		path, accept string
		gzipped      bool
	}{
		{"/static/dash.js", "gzip", true},
		{"/static/dash.js", "", false},
		{"/api/v1/test-big", "gzip, deflate, br", true},
		{"/test-page", "gzip", false},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		plain := httptest.NewRecorder()
		s.engine.ServeHTTP(plain, httptest.NewRequest("GET", tc.path, nil))
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusOK || plain.Code != http.StatusOK {
			t.Fatalf("%s: %d, uncompressed %d", tc.path, w.Code, plain.Code)
		}
		body := w.Body.Bytes()
		if got := w.Header().Get("Content-Encoding") == "gzip"; got != tc.gzipped {
			t.Errorf("%s (Accept-Encoding %q): gzip %v, want %v", tc.path, tc.accept, got, tc.gzipped)
			continue
		}
		if tc.gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			if w.Body.Len() >= len(body) {
				t.Errorf("%s: %d bytes compressed from %d", tc.path, w.Body.Len(), len(body))
			}
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("%s: the body differs from the uncompressed one", tc.path)
		}
	}
}
