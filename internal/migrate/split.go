package migrate

import (
	"fmt"
	"strings"
)

// Split cuts SQL text into statements at semicolons, respecting quotes and comments, and records the line
// each statement starts on. Comments are dropped.
func Split(sql string) ([]Statement, error) {
	var (
		out   []Statement
		cur   strings.Builder
		line  = 1
		start = 0
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, Statement{SQL: s, Line: start})
		}
		cur.Reset()
		start = 0
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			i-- // let the newline be counted below
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(sql[i:i+2+end+2], "\n")
			i += 2 + end + 1
			cur.WriteByte(' ')
			continue
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(sql) && sql[j] != c {
				if sql[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(sql) {
				return nil, fmt.Errorf("line %d: unterminated %c quote", line, c)
			}
			if start == 0 {
				start = line
			}
			cur.WriteString(sql[i : j+1])
			line += strings.Count(sql[i:j+1], "\n")
			i = j
			continue
		case c == ';':
			flush()
			continue
		case c == '\n':
			line++
		}
		if start == 0 && !isSpace(c) {
			start = line
		}
		cur.WriteByte(c)
	}
	flush()
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
