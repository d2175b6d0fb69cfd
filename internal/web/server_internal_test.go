package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
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
