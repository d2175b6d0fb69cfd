//go:build unix

package textanalysis

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used, GC included. Benchmarks report it
// beside wall time because the machine is shared: CPU time per operation does not grow with other load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
