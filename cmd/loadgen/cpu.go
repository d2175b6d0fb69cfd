package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuUse is how busy a phase kept the machine: this process (server and clients), the whole machine,
// and the ClickHouse server when its pid is known, in cores.
type cpuUse struct {
	self    float64
	machine float64 // fraction of all cores
	ch      float64
	chKnown bool
}

func (c cpuUse) chText() string {
	if !c.chKnown {
		return ""
	}
	return fmt.Sprintf(", ClickHouse %.2f cores", c.ch)
}

type cpuMark struct {
	at          time.Time
	self        time.Duration
	busy, total uint64
	chTicks     uint64
	chPID       int
}

func numCPU() int { return runtime.NumCPU() }

func startCPU(chPID int) cpuMark {
	m := cpuMark{at: time.Now(), self: selfCPU(), chPID: chPID}
	m.busy, m.total = machineTicks()
	if chPID > 0 {
		m.chTicks = processTicks(chPID)
	}
	return m
}

func (m cpuMark) stop() cpuUse {
	wall := time.Since(m.at).Seconds()
	u := cpuUse{self: (selfCPU() - m.self).Seconds() / wall}
	busy, total := machineTicks()
	if total > m.total {
		u.machine = float64(busy-m.busy) / float64(total-m.total)
	}
	if m.chPID > 0 {
		// Linux reports process times in clock ticks of 1/100 s (USER_HZ).
		u.ch, u.chKnown = float64(processTicks(m.chPID)-m.chTicks)/100/wall, true
	}
	return u
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineTicks reads the first line of /proc/stat: busy and total clock ticks of all cores.
func machineTicks() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// processTicks is utime + stime of a process from /proc/PID/stat.
func processTicks(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: count fields after the last ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseUint(fields[11], 10, 64)
	st, _ := strconv.ParseUint(fields[12], 10, 64)
	return ut + st
}
