package web

import "embed"

// templatesFS holds the server-rendered pages, one folder per area (templates/survey/ for the alumni
// survey pages).
//
//go:embed templates
var templatesFS embed.FS
