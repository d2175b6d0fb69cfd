package answer

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
)

// chServer is a private ClickHouse server for one test, with all its data in a temporary folder, so a test
// can kill and restart it without touching the shared server others use.
type chServer struct {
	t                      testing.TB
	dir                    string
	tcp, http, interserver int
	cmd                    *exec.Cmd
	exited                 chan struct{}
}

// startServer starts a private server on free ports and waits until it answers.
func startServer(t testing.TB) *chServer {
	t.Helper()
	s := &chServer{t: t, dir: t.TempDir()}
	ports := freePorts(t, 3)
	s.tcp, s.http, s.interserver = ports[0], ports[1], ports[2]
	for _, sub := range []string{"tmp", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(s.dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.start()
	t.Cleanup(func() {
		if s.cmd != nil {
			s.kill()
		}
	})
	return s
}

// freePorts asks the kernel for n free ports. They are released before the server binds them, which
// leaves a small window for someone else to take one; the server then fails to start and the test says so.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// start runs the server on the folder and ports chosen at first start and waits until it answers.
func (s *chServer) start() {
	s.t.Helper()
	d := s.dir
	s.cmd = exec.Command("clickhouse-server", "--config-file=/etc/clickhouse-server/config.xml", "--",
		"--path="+d+"/", "--tmp_path="+d+"/tmp/", "--user_files_path="+d+"/user_files/",
		"--format_schema_path="+d+"/format_schemas/",
		"--tcp_port="+strconv.Itoa(s.tcp), "--http_port="+strconv.Itoa(s.http),
		"--interserver_http_port="+strconv.Itoa(s.interserver), "--listen_host=127.0.0.1",
		"--logger.log="+d+"/server.log", "--logger.errorlog="+d+"/err.log")
	out, err := os.OpenFile(filepath.Join(d, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer out.Close()
	s.cmd.Stdout, s.cmd.Stderr = out, out
	// Should the test binary die without cleaning up, the server goes with it rather than lingering.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start clickhouse-server: %v", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)

	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := db.OpenServer(context.Background(), s.config("default"))
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-s.exited:
			s.t.Fatalf("clickhouse-server exited at start; see %s", filepath.Join(d, "err.log"))
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("clickhouse-server on port %d does not answer: %v", s.tcp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill stops the server with SIGKILL, as a crash or an OOM kill would, and waits until it is gone.
func (s *chServer) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Logf("kill clickhouse-server: %v", err)
	}
	<-s.exited
	s.cmd = nil
}

// config returns the settings to reach the private server's database.
func (s *chServer) config(database string) config.ClickHouse {
	return config.ClickHouse{
		Addr: fmt.Sprintf("127.0.0.1:%d", s.tcp), Database: database, User: "default",
		DialTimeout: 5 * time.Second, MaxOpenConns: 8,
	}
}
