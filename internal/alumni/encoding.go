package alumni

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding is the character encoding of a CSV file.
type Encoding string

// Encodings the CSV reader understands.
const (
	EncodingAuto     Encoding = ""          // detect: BOM → UTF-8; else decide at the first non-ASCII bytes
	EncodingUTF8     Encoding = "utf-8"     // with or without BOM
	EncodingShiftJIS Encoding = "shift_jis" // Shift_JIS with the Microsoft extensions (CP932 / Windows-31J)
)

// ParseEncoding maps a user-supplied name (a CLI flag) to an Encoding: "", "auto", "utf-8", "utf8",
// "shift_jis", "sjis", "cp932", "windows-31j", case-insensitive.
func ParseEncoding(name string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "auto":
		return EncodingAuto, nil
	case "utf-8", "utf8", "utf-8-sig":
		return EncodingUTF8, nil
	case "shift_jis", "shift-jis", "sjis", "cp932", "ms932", "windows-31j":
		return EncodingShiftJIS, nil
	}
	return "", fmt.Errorf("unknown encoding %q: want auto, utf-8 or shift_jis", name)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniffLen is how many bytes from the first non-ASCII byte on decide between UTF-8 and Shift_JIS: Japanese
// text in Shift_JIS is practically never valid UTF-8 over more than a character or two.
const sniffLen = 256

// detector is a transform.Transformer that strips a UTF-8 BOM and otherwise passes ASCII through until the
// first non-ASCII byte, then decides on the encoding from the bytes that follow. Deciding there rather than
// on a fixed prefix copes with files whose first kilobytes are ASCII (English headers, codes, dates) and whose
// names come later in Shift_JIS.
type detector struct {
	forced  Encoding // EncodingAuto to detect
	bomDone bool
	chosen  Encoding
	dec     transform.Transformer
}

func newDetector(forced Encoding) *detector {
	d := &detector{forced: forced}
	d.Reset()
	return d
}

func (d *detector) Reset() {
	d.bomDone, d.chosen, d.dec = false, "", nil
	if d.forced == EncodingShiftJIS {
		d.choose(EncodingShiftJIS) // a Shift_JIS file cannot start with a UTF-8 BOM
		d.bomDone = true
	}
}

func (d *detector) choose(e Encoding) {
	d.chosen = e
	if e == EncodingShiftJIS {
		d.dec = japanese.ShiftJIS.NewDecoder() // replaces invalid bytes with U+FFFD
	} else {
		d.dec = unicode.UTF8.NewDecoder() // validates, replacing invalid bytes with U+FFFD
	}
}

func (d *detector) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	if !d.bomDone {
		if len(src) < len(utf8BOM) && !atEOF && bytes.HasPrefix(utf8BOM, src) {
			return 0, 0, transform.ErrShortSrc
		}
		d.bomDone = true
		if bytes.HasPrefix(src, utf8BOM) {
			d.choose(EncodingUTF8)
			nSrc, src = len(utf8BOM), src[len(utf8BOM):]
		} else if d.forced == EncodingUTF8 {
			d.choose(EncodingUTF8)
		}
	}
	if d.dec == nil {
		i := 0
		for i < len(src) && src[i] < utf8.RuneSelf {
			i++
		}
		if i == len(src) || (len(src)-i < sniffLen && !atEOF) {
			// All ASCII so far, or too little after the first non-ASCII byte to decide: copy the ASCII
			// and ask for more.
			n := copy(dst, src[:i])
			nDst, nSrc = n, nSrc+n
			switch {
			case n < i:
				err = transform.ErrShortDst
			case i < len(src):
				err = transform.ErrShortSrc
			}
			return nDst, nSrc, err
		}
		d.choose(sniff(src[i:], atEOF))
	}
	n, m, err := d.dec.Transform(dst, src, atEOF)
	return n, nSrc + m, err
}

// sniff decides the encoding of text starting at a non-ASCII byte.
func sniff(b []byte, atEOF bool) Encoding {
	if len(b) > sniffLen {
		b = b[:sniffLen]
		atEOF = false
	}
	if !atEOF {
		// Drop a rune cut off at the end of the window.
		for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax; k-- {
			if utf8.RuneStart(b[k]) {
				if !utf8.FullRune(b[k:]) {
					b = b[:k]
				}
				break
			}
		}
	}
	if utf8.Valid(b) {
		return EncodingUTF8
	}
	return EncodingShiftJIS
}

// encoding reports the encoding in use; EncodingUTF8 while only ASCII has been seen (ASCII is both).
func (d *detector) encoding() Encoding {
	if d.chosen == "" {
		return EncodingUTF8
	}
	return d.chosen
}

// countingReader counts the bytes read from the source, for progress reporting. The count is atomic so a
// progress bar may poll it from another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
