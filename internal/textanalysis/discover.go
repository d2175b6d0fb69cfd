package textanalysis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// ErrNotEnoughData means there are too few documents or terms for the requested analysis; dashboards show
// "not enough comments" rather than an error.
var ErrNotEnoughData = errors.New("not enough data")

// Topic is a theme discovered by NMF: its most characteristic terms and the documents that load most on it.
type Topic struct {
	Terms  []TermWeight `json:"terms"`  // highest weight first
	Docs   []int        `json:"docs"`   // indices into the input documents, strongest first
	Weight float64      `json:"weight"` // share of the corpus explained by the topic (sums to 1)
}

// TermWeight is a term with its weight in a topic.
type TermWeight struct {
	Term   string  `json:"term"`
	Weight float64 `json:"weight"`
}

// Limits of Discover: enough for dashboards, bounded in time and memory for large tenants.
const (
	topicTerms    = 10   // terms listed per topic
	topicDocs     = 5    // example documents per topic
	maxVocabulary = 3000 // most frequent terms kept
	nmfIterations = 300
	nmfTolerance  = 1e-5 // stop when the relative change of the error falls below this
)

// Discover finds k topics in documents given as term lists (Result.Terms): TF-IDF with L2-normalised rows,
// then non-negative matrix factorisation V ≈ W·H with Lee–Seung multiplicative updates. The result depends
// only on the input and seed. Terms in a single document are dropped when there are 20 documents or more.
// It returns an error wrapping ErrNotEnoughData when k exceeds the number of usable documents or terms.
func Discover(docs [][]string, k int, seed int64) ([]Topic, error) {
	if k < 1 {
		return nil, fmt.Errorf("discover topics: k must be at least 1, got %d", k)
	}
	v := newTFIDF(docs)
	if v.rows < k || len(v.vocab) < k {
		return nil, fmt.Errorf("discover %d topics in %d documents with %d terms: %w", k, v.rows, len(v.vocab), ErrNotEnoughData)
	}
	n, m := len(docs), len(v.vocab)
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	// initial scale so that W·H has the magnitude of V (Boutsidis & Gallopoulos use the mean)
	scale := math.Sqrt(v.mean() / float64(k))
	w := mat.NewDense(n, k, nil)
	h := mat.NewDense(k, m, nil)
	for _, d := range [][]float64{w.RawMatrix().Data, h.RawMatrix().Data} {
		for i := range d {
			d[i] = scale * (0.1 + rng.Float64())
		}
	}

	const eps = 1e-12
	wtv := mat.NewDense(k, m, nil)
	wtw := mat.NewDense(k, k, nil)
	wtwh := mat.NewDense(k, m, nil)
	vht := mat.NewDense(n, k, nil)
	hht := mat.NewDense(k, k, nil)
	whht := mat.NewDense(n, k, nil)
	prevErr := math.Inf(1)
	for it := 0; it < nmfIterations; it++ {
		// H ← H ∘ (WᵀV) / (WᵀW H)
		v.mulTransLeft(w, wtv)
		wtw.Mul(w.T(), w)
		wtwh.Mul(wtw, h)
		update(h, wtv, wtwh, eps)
		// W ← W ∘ (V Hᵀ) / (W H Hᵀ)
		v.mulTransRight(h, vht)
		hht.Mul(h, h.T())
		whht.Mul(w, hht)
		update(w, vht, whht, eps)
		if it%10 == 9 {
			e := v.residual(w, h, hht)
			if prevErr-e <= nmfTolerance*prevErr {
				break
			}
			prevErr = e
		}
	}

	total := 0.0
	colSum := make([]float64, k)
	for i := 0; i < n; i++ {
		for t := 0; t < k; t++ {
			// weight a document's loading by the size of the topic's term vector, so weights are comparable
			colSum[t] += w.At(i, t)
		}
	}
	hNorm := make([]float64, k)
	for t := 0; t < k; t++ {
		hNorm[t] = mat.Norm(h.RowView(t), 2)
		colSum[t] *= hNorm[t]
		total += colSum[t]
	}
	topics := make([]Topic, k)
	for t := 0; t < k; t++ {
		tp := &topics[t]
		if total > 0 {
			tp.Weight = colSum[t] / total
		}
		idx := argsortDesc(m, func(j int) float64 { return h.At(t, j) })
		for _, j := range idx[:min(topicTerms, m)] {
			if h.At(t, j) <= 0 {
				break
			}
			tp.Terms = append(tp.Terms, TermWeight{Term: v.vocab[j], Weight: h.At(t, j)})
		}
		idx = argsortDesc(n, func(i int) float64 { return w.At(i, t) })
		for _, i := range idx[:min(topicDocs, n)] {
			if w.At(i, t)*hNorm[t] < 1e-6 {
				break
			}
			tp.Docs = append(tp.Docs, i)
		}
	}
	slices.SortStableFunc(topics, func(a, b Topic) int {
		switch {
		case a.Weight > b.Weight:
			return -1
		case a.Weight < b.Weight:
			return 1
		}
		return 0
	})
	return topics, nil
}

// update sets x ← x ∘ num / (den + eps), the multiplicative NMF step, which keeps x non-negative.
func update(x, num, den *mat.Dense, eps float64) {
	xd, nd, dd := x.RawMatrix().Data, num.RawMatrix().Data, den.RawMatrix().Data
	for i := range xd {
		xd[i] *= nd[i] / (dd[i] + eps)
	}
}

// argsortDesc returns 0..n-1 ordered by f descending, ties by index, so results are deterministic.
func argsortDesc(n int, f func(int) float64) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return f(idx[a]) > f(idx[b]) })
	return idx
}

// tfidf is a sparse document-term matrix in compressed-row form. Comments are short, so V is very sparse
// and is never materialised densely (10 000 comments × 3 000 terms would be 240 MB).
type tfidf struct {
	vocab  []string
	rowPtr []int // row i holds entries rowPtr[i]..rowPtr[i+1]
	col    []int
	val    []float64
	rows   int // documents with at least one kept term
}

func newTFIDF(docs [][]string) *tfidf {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, t := range d {
			if t != "" && !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	minDF := 1
	if len(docs) >= 20 {
		minDF = 2
	}
	var vocab []string
	for t, c := range df {
		if c >= minDF {
			vocab = append(vocab, t)
		}
	}
	// most frequent first, then by term, so the cut and the column order are deterministic
	slices.SortFunc(vocab, func(a, b string) int {
		if df[a] != df[b] {
			return df[b] - df[a]
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	if len(vocab) > maxVocabulary {
		vocab = vocab[:maxVocabulary]
	}
	slices.Sort(vocab)
	col := make(map[string]int, len(vocab))
	for i, t := range vocab {
		col[t] = i
	}
	v := &tfidf{vocab: vocab, rowPtr: make([]int, 1, len(docs)+1)}
	n := float64(len(docs))
	for _, d := range docs {
		tf := map[int]float64{}
		for _, t := range d {
			if j, ok := col[t]; ok {
				tf[j]++
			}
		}
		cols := make([]int, 0, len(tf))
		for j := range tf {
			cols = append(cols, j)
		}
		slices.Sort(cols)
		var norm float64
		start := len(v.val)
		for _, j := range cols {
			x := tf[j] * (math.Log((1+n)/(1+float64(df[vocab[j]]))) + 1)
			v.col = append(v.col, j)
			v.val = append(v.val, x)
			norm += x * x
		}
		if norm > 0 {
			v.rows++
			norm = math.Sqrt(norm)
			for i := start; i < len(v.val); i++ {
				v.val[i] /= norm
			}
		}
		v.rowPtr = append(v.rowPtr, len(v.val))
	}
	return v
}

func (v *tfidf) mean() float64 {
	if len(v.val) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v.val {
		s += x
	}
	return s / float64((len(v.rowPtr)-1)*len(v.vocab))
}

// mulTransLeft sets dst (k×m) = Wᵀ V.
func (v *tfidf) mulTransLeft(w, dst *mat.Dense) {
	dst.Zero()
	k := w.RawMatrix().Cols
	dd := dst.RawMatrix()
	wd := w.RawMatrix()
	for i := 0; i+1 < len(v.rowPtr); i++ {
		wrow := wd.Data[i*wd.Stride : i*wd.Stride+k]
		for p := v.rowPtr[i]; p < v.rowPtr[i+1]; p++ {
			j, x := v.col[p], v.val[p]
			for t := 0; t < k; t++ {
				dd.Data[t*dd.Stride+j] += wrow[t] * x
			}
		}
	}
}

// mulTransRight sets dst (n×k) = V Hᵀ.
func (v *tfidf) mulTransRight(h, dst *mat.Dense) {
	dst.Zero()
	hd := h.RawMatrix()
	dd := dst.RawMatrix()
	k := hd.Rows
	for i := 0; i+1 < len(v.rowPtr); i++ {
		drow := dd.Data[i*dd.Stride : i*dd.Stride+k]
		for p := v.rowPtr[i]; p < v.rowPtr[i+1]; p++ {
			j, x := v.col[p], v.val[p]
			for t := 0; t < k; t++ {
				drow[t] += x * hd.Data[t*hd.Stride+j]
			}
		}
	}
}

// residual returns ‖V − WH‖²_F = ‖V‖² − 2 tr(Wᵀ V Hᵀ) + tr(Wᵀ W H Hᵀ), without forming WH.
func (v *tfidf) residual(w, h, hht *mat.Dense) float64 {
	var vv float64
	for _, x := range v.val {
		vv += x * x
	}
	n, k := w.Dims()
	vht := mat.NewDense(n, k, nil)
	v.mulTransRight(h, vht)
	var cross float64
	for i := 0; i < n; i++ {
		for t := 0; t < k; t++ {
			cross += w.At(i, t) * vht.At(i, t)
		}
	}
	var wtw mat.Dense
	wtw.Mul(w.T(), w)
	var quad float64
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			quad += wtw.At(a, b) * hht.At(b, a)
		}
	}
	return vv - 2*cross + quad
}
