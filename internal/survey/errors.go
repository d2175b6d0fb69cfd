package survey

import "github.com/alumnipulse/alumnipulse/internal/yamlfile"

// LoadError is one problem in a survey file, located by file, line and field path
// (e.g. "questions[3].show_if.in[1]"). Load returns all of them joined.
type LoadError = yamlfile.Error

// LoadErrors returns every *LoadError inside err (as returned by Load), in order.
func LoadErrors(err error) []*LoadError { return yamlfile.Errors(err) }
