package live

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/textanalysis"
)

// maxNetworkDocs bounds the comments one network is built from (the newest ones).
const maxNetworkDocs = 20000

// cooccurrence is the network of terms written together in one comment, with communities of terms that
// go together. A term must appear in at least the tenant's minimum group of comments, so no one's rare
// wording is on show.
func (s *Source) cooccurrence(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	minN := q.Settings.WithDefaults().MinGroupSize
	top := 30
	if v, err := strconv.Atoi(q.Options["top"]); err == nil {
		top = v
	}
	where, args := answerWhere(q) // text_analyses has the same segment columns
	// Without FINAL (which costs ClickHouse a merge of every part on each read): a comment analysed again
	// after an edit has one row per version, and only its newest counts (even when the edit emptied it, so
	// comments without terms are read too and dropped here).
	rows, err := s.d.Conn.Query(ctx, `
		SELECT question_id, response_id, version, terms FROM text_analyses
		WHERE `+where+`
		ORDER BY submitted_at DESC
		LIMIT ?`, append(args, uint64(maxNetworkDocs))...)
	if err != nil {
		return dashboard.Data{}, fmt.Errorf("read comment terms: %w", err)
	}
	defer rows.Close()
	type key struct {
		question string
		response uuid.UUID
	}
	type doc struct {
		version uint64
		terms   []string
	}
	latest := map[key]doc{}
	var order []key
	for rows.Next() {
		var k key
		var d doc
		if err := rows.Scan(&k.question, &k.response, &d.version, &d.terms); err != nil {
			return dashboard.Data{}, fmt.Errorf("read comment terms: %w", err)
		}
		prev, seen := latest[k]
		if !seen {
			order = append(order, k)
		}
		if !seen || d.version > prev.version {
			latest[k] = d
		}
	}
	if err := rows.Err(); err != nil {
		return dashboard.Data{}, fmt.Errorf("read comment terms: %w", err)
	}
	docs := make([][]string, 0, len(order))
	for _, k := range order {
		if t := latest[k].terms; len(t) > 0 {
			docs = append(docs, t)
		}
	}
	d := dashboard.Data{N: len(docs), MinN: minN, Network: &dashboard.Network{}}
	if len(docs) < minN {
		d.Suppressed = true
		return d, nil
	}
	net := textanalysis.Cooccurrence(docs, 0.05, minN)
	// The most frequent terms that have a partner (a lone term says nothing about what goes together).
	linked := map[int]bool{}
	for _, e := range net.Edges {
		linked[e.From], linked[e.To] = true, true
	}
	keep := map[int]bool{}
	for i := range net.Nodes {
		if linked[i] && len(keep) < top {
			keep[i] = true
		}
	}
	lang := q.Locale
	for i, n := range net.Nodes {
		if keep[i] {
			d.Network.Nodes = append(d.Network.Nodes, dashboard.Node{ID: strconv.Itoa(i), Label: n.Term, Weight: float64(n.Count),
				Group: label(lang, "グループ", "Group") + " " + strconv.Itoa(n.Community+1)})
		}
	}
	for _, e := range net.Edges {
		if keep[e.From] && keep[e.To] {
			d.Network.Edges = append(d.Network.Edges, dashboard.Edge{From: strconv.Itoa(e.From), To: strconv.Itoa(e.To), Weight: float64(e.Count)})
		}
	}
	return d, nil
}
