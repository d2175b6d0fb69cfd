// Package rules holds the default data files of the text analyser: theme coding rules, the sentiment
// lexicon, the HR user dictionary for kagome and the stop-word list. Tenants override the first two by
// passing their own bytes in textanalysis.Options.
package rules

import "embed"

// FS holds themes.yaml, lexicon.yaml, userdict.txt and stopwords.txt.
//
//go:embed themes.yaml lexicon.yaml userdict.txt stopwords.txt
var FS embed.FS
