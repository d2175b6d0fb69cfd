package textanalysis

import (
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/simple"
)

// Network is a term co-occurrence network with communities of terms that appear together.
type Network struct {
	Nodes      []Node  `json:"nodes"`
	Edges      []Edge  `json:"edges"`
	Modularity float64 `json:"modularity"` // quality of the community split (Q, −0.5…1)
}

// Node is a term of the network.
type Node struct {
	Term      string `json:"term"`
	Count     int    `json:"count"`     // documents containing the term
	Community int    `json:"community"` // 0, 1, …; numbered by the community's most frequent term
}

// Edge links two terms (indices into Nodes, From < To) that co-occur in documents.
type Edge struct {
	From   int     `json:"from"`
	To     int     `json:"to"`
	Weight float64 `json:"weight"` // Jaccard similarity of the two terms' document sets
	Count  int     `json:"count"`  // documents containing both
}

// maxNetworkNodes keeps the most frequent terms only, so the graph stays readable and pair counting cheap.
const maxNetworkNodes = 300

// Cooccurrence builds the co-occurrence network of documents given as term lists: terms in at least
// minCount documents (at most the 300 most frequent), edges between terms that share at least minCount
// documents with Jaccard similarity at least minJaccard, and communities found by Louvain modularity
// optimisation (gonum community.Modularize, fixed seed, so the result depends only on the input).
func Cooccurrence(docs [][]string, minJaccard float64, minCount int) Network {
	minCount = max(minCount, 1)
	sets := make([][]string, len(docs))
	df := map[string]int{}
	for i, d := range docs {
		s := slices.Clone(d)
		slices.Sort(s)
		s = slices.Compact(s)
		if len(s) > 0 && s[0] == "" {
			s = s[1:]
		}
		sets[i] = s
		for _, t := range s {
			df[t]++
		}
	}
	var terms []string
	for t, c := range df {
		if c >= minCount {
			terms = append(terms, t)
		}
	}
	slices.SortFunc(terms, func(a, b string) int {
		if df[a] != df[b] {
			return df[b] - df[a]
		}
		return strings.Compare(a, b)
	})
	if len(terms) > maxNetworkNodes {
		terms = terms[:maxNetworkNodes]
	}
	index := make(map[string]int, len(terms))
	net := Network{Nodes: make([]Node, len(terms))}
	for i, t := range terms {
		index[t] = i
		net.Nodes[i] = Node{Term: t, Count: df[t]}
	}

	pairs := map[[2]int]int{}
	var ids []int
	for _, s := range sets {
		ids = ids[:0]
		for _, t := range s {
			if i, ok := index[t]; ok {
				ids = append(ids, i)
			}
		}
		slices.Sort(ids)
		for a := 0; a < len(ids); a++ {
			for b := a + 1; b < len(ids); b++ {
				pairs[[2]int{ids[a], ids[b]}]++
			}
		}
	}
	for p, c := range pairs {
		if c < minCount {
			continue
		}
		j := float64(c) / float64(net.Nodes[p[0]].Count+net.Nodes[p[1]].Count-c)
		if j >= minJaccard {
			net.Edges = append(net.Edges, Edge{From: p[0], To: p[1], Weight: j, Count: c})
		}
	}
	slices.SortFunc(net.Edges, func(a, b Edge) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})

	g := simple.NewWeightedUndirectedGraph(0, 0)
	for i := range net.Nodes {
		g.AddNode(simple.Node(i))
	}
	for _, e := range net.Edges {
		g.SetWeightedEdge(g.NewWeightedEdge(simple.Node(e.From), simple.Node(e.To), e.Weight))
	}
	if len(net.Nodes) == 0 {
		return net
	}
	reduced := community.Modularize(g, 1, rand.NewPCG(1, 2))
	comms := reduced.Communities()
	// number communities by their most frequent (lowest-index) term, so ids are stable across runs
	first := make([]int, len(comms))
	for c, members := range comms {
		first[c] = len(net.Nodes)
		for _, n := range members {
			first[c] = min(first[c], int(n.ID()))
		}
	}
	order := make([]int, len(comms))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return first[a] - first[b] })
	for id, c := range order {
		for _, n := range comms[c] {
			net.Nodes[n.ID()].Community = id
		}
	}
	if len(net.Edges) > 0 {
		net.Modularity = community.Q(g, comms, 1)
	}
	return net
}
