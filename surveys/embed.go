// Package surveys holds the shipped survey definitions, one YAML file per
// survey; README.md describes the format. internal/survey loads and validates them.
package surveys

import (
	"embed"
	"io/fs"
	"os"
)

// FS holds the shipped survey files at its root.
//
//go:embed *.yaml
var FS embed.FS

// Open returns the survey files to load: those in dir when dir is set (a
// customer's own surveys, replacing the shipped ones), else the shipped ones.
func Open(dir string) fs.FS {
	if dir == "" {
		return FS
	}
	return os.DirFS(dir)
}
