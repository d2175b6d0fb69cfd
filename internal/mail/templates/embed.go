// Package templates holds the default e-mail templates, embedded in the binary.
//
// Files are named <kind>.<lang>.<ext>: kind is "invitation" or "reminder", lang "ja" or "en", ext "txt"
// (text/template; it must also define the "subject" template) or "html" (html/template). A tenant overrides
// any of them by placing a file of the same name in <override dir>/<tenant id>/, or in <override dir>/ for
// every tenant.
package templates

import "embed"

// FS holds the default templates.
//
//go:embed *.txt *.html
var FS embed.FS
