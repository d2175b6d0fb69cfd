package textanalysis

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// benchCorpus returns the texts of the development set and their size in runes.
func benchCorpus(b *testing.B) ([]string, int) {
	b.Helper()
	f, err := os.Open(devSet())
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("ALUMNIPULSE_DEV_SET") == "" {
		b.Skipf("no development set beside the repository (%v); set ALUMNIPULSE_DEV_SET", err)
	}
	if err != nil {
		b.Fatalf("open the development set: %v", err)
	}
	defer f.Close()
	var texts []string
	chars := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, r.Text)
		chars += utf8.RuneCountInString(r.Text)
	}
	return texts, chars
}

// reportRate reports throughput in characters per second of wall time, and in characters per CPU-second
// (cpu0 is processCPU at the start), which other load on a shared machine does not distort.
func reportRate(b *testing.B, texts []string, chars int, cpu0 time.Duration) {
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(chars)*float64(b.N)/b.Elapsed().Seconds(), "chars/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(chars)*float64(b.N)/cpu.Seconds(), "chars/cpu-s")
	}
}

// BenchmarkTokenizeRaw is kagome alone (IPA dictionary, the same user dictionary) on the raw answers.
func BenchmarkTokenizeRaw(b *testing.B) {
	a := testAnalyzer(b)
	benchEach(b, false, func(t string) { _ = a.tok.Tokenize(t) })
}

// BenchmarkAnalyze is the whole pipeline on the same answers.
func BenchmarkAnalyze(b *testing.B) {
	a := testAnalyzer(b)
	benchEach(b, false, func(t string) { _ = a.Analyze(t, nil) })
}

// BenchmarkPipelineVsRaw alternates passes of kagome alone and of the whole pipeline over the corpus
// (swapping which goes first, so neither gains from the other's warm caches), so that both see the same
// load on a shared machine, and reports the pipeline's speed as a share of kagome's (goal ≥ 0.5).
func BenchmarkPipelineVsRaw(b *testing.B) {
	a := testAnalyzer(b)
	texts, chars := benchCorpus(b)
	var raw, full time.Duration
	rawPass := func() {
		t0 := time.Now()
		for _, t := range texts {
			_ = a.tok.Tokenize(t)
		}
		raw += time.Since(t0)
	}
	fullPass := func() {
		t0 := time.Now()
		for _, t := range texts {
			_ = a.Analyze(t, nil)
		}
		full += time.Since(t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			rawPass()
			fullPass()
		} else {
			fullPass()
			rawPass()
		}
	}
	b.ReportMetric(raw.Seconds()/full.Seconds(), "speed-ratio")
	b.ReportMetric(float64(chars)*float64(b.N)/raw.Seconds(), "raw-chars/s")
	b.ReportMetric(float64(chars)*float64(b.N)/full.Seconds(), "pipeline-chars/s")
}

// BenchmarkTokenizeRawParallel shares one tokenizer between GOMAXPROCS goroutines (-cpu 1,2).
func BenchmarkTokenizeRawParallel(b *testing.B) {
	a := testAnalyzer(b)
	benchEach(b, true, func(t string) { _ = a.tok.Tokenize(t) })
}

// BenchmarkAnalyzeParallel shares one Analyzer between GOMAXPROCS goroutines (-cpu 1,2).
func BenchmarkAnalyzeParallel(b *testing.B) {
	a := testAnalyzer(b)
	benchEach(b, true, func(t string) { _ = a.Analyze(t, nil) })
}

// BenchmarkAnalyzerMemory reports the memory held once an Analyzer is built: live heap after GC (the IPA
// dictionary is most of it), the extra heap of a second tenant's Analyzer (they share the dictionary),
// and the process's resident set. Run it alone with -benchtime=1x for a clean figure.
func BenchmarkAnalyzerMemory(b *testing.B) {
	testAnalyzer(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var keep []*Analyzer
	for i := 0; i < b.N; i++ {
		a, err := New(Options{ForceKeep: []string{"社内用語" + strconv.Itoa(i)}})
		if err != nil {
			b.Fatal(err)
		}
		keep = append(keep, a)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(before.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))/float64(len(keep))/(1<<20), "extra-MB/analyzer")
	b.ReportMetric(float64(residentKB())/1024, "rss-MB")
	runtime.KeepAlive(keep)
}

// residentKB reads VmRSS from /proc/self/status (0 where there is no procfs).
func residentKB() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb
		}
	}
	return 0
}

// benchEach runs f on every answer of the benchmark corpus b.N times (shared between GOMAXPROCS goroutines
// when parallel) and reports the rate.
func benchEach(b *testing.B, parallel bool, f func(string)) {
	texts, chars := benchCorpus(b)
	b.ResetTimer()
	cpu0 := processCPU()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, t := range texts {
					f(t)
				}
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			for _, t := range texts {
				f(t)
			}
		}
	}
	reportRate(b, texts, chars, cpu0)
}
