package alumni

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

const benchHeader = "社員番号,氏名,メールアドレス,部署,職種,等級,性別,入社日,退職日,退職区分,退職理由,惜しい人材,再雇用可,言語,同意\n"

var (
	benchDepts   = []string{"営業部", "開発部", "人事部", "総務部", "経理部", "マーケティング部"}
	benchReasons = []string{"一身上の都合", "キャリアアップ", "給与・報酬", "家庭の事情", "人間関係", "上司との関係", "介護"}
	benchTypes   = []string{"自己都合", "会社都合", "定年", "契約満了"}
	benchDates   = []string{"2025/3/31", "令和7年3月31日", "2024-12-31", "R6.9.30", "20250115"}
)

// appendRow appends one realistic row with a unique employee code; pad lengthens the reason text.
func appendRow(b []byte, i int, pad string) []byte {
	return fmt.Appendf(b, "E%07d,山田 太郎%d,taro%d@example.jp,%s,エンジニア,G%d,%s,2015/4/1,%s,%s,%s%s,はい,○,ja,はい\n",
		i, i%100, i, benchDepts[i%len(benchDepts)], i%6+1, []string{"男性", "女性", "回答しない"}[i%3],
		benchDates[i%len(benchDates)], benchTypes[i%len(benchTypes)], benchReasons[i%len(benchReasons)], pad)
}

func genCSV(rows int) []byte {
	b := []byte(benchHeader)
	for i := range rows {
		b = appendRow(b, i, "")
	}
	return b
}

// BenchmarkReader parses a generated 100,000-row export: go test -run - -bench Reader -benchmem ./internal/alumni
func BenchmarkReader(b *testing.B) {
	const rows = 100_000
	utf8Data := genCSV(rows)
	sjisData, _, err := transform.Bytes(japanese.ShiftJIS.NewEncoder(), utf8Data)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"utf8", utf8Data}, {"shift_jis", sjisData}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := NewReader(bytes.NewReader(tc.data), ReaderOptions{Now: fixedNow})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					_, problems, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil || HasErrors(problems) {
						b.Fatalf("row %d: %v %v", n, err, problems)
					}
					n++
				}
				if n != rows {
					b.Fatalf("read %d rows; want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// rowSource generates CSV rows on the fly, so the test's input never sits in memory.
type rowSource struct {
	rows, next int
	pad        string
	buf        []byte
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.next > s.rows {
			return 0, io.EOF
		}
		if s.next == 0 {
			s.buf = append(s.buf, benchHeader...)
		} else {
			s.buf = appendRow(s.buf, s.next, s.pad)
		}
		s.next++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	if len(s.buf) == 0 {
		s.buf = s.buf[:0:0]
	}
	return n, nil
}

func TestReaderMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 30 MB")
	}
	const rows = 20_000
	pad := string(bytes.Repeat([]byte("長い理由"), 120)) // ~1.5 KB rows: 30 MB of input
	src := &rowSource{rows: rows, pad: pad}
	rd, err := NewReader(src, ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	var ms runtime.MemStats
	for n := 0; ; n++ {
		_, problems, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil || HasErrors(problems) {
			t.Fatalf("row %d: %v %v", n, err, problems)
		}
		if n%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	input := rd.BytesRead()
	t.Logf("input %d MB, peak live heap %.2f MB", input>>20, float64(peak)/(1<<20))
	if input < 25<<20 {
		t.Fatalf("generated only %d bytes", input)
	}
	// The live heap holds buffers, one row and the set of codes seen, never the file.
	if peak > uint64(input)/8 {
		t.Errorf("peak live heap %d bytes for %d bytes of input: memory grows with the file", peak, input)
	}
}
