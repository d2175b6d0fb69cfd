// Package dashboards holds the shipped dashboard definitions, one YAML file per page; README.md describes
// the format. internal/dashboard loads and validates them.
package dashboards

import (
	"embed"
	"io/fs"
	"os"
)

// FS holds the shipped page files at its root.
//
//go:embed *.yaml
var FS embed.FS

// Open returns the page files to load: those in dir when dir is set (a customer's own pages, replacing the
// shipped ones; ALUMNIPULSE_DASHBOARDS_DIR), else the shipped ones.
func Open(dir string) fs.FS {
	if dir == "" {
		return FS
	}
	return os.DirFS(dir)
}
