package ingest

import (
	"math"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// keySet is an exact set of the alert keys a reconcile listed, kept
// compact: per (source, repo) the alert numbers as a sorted []uint32, four
// bytes an alert plus one slice per repository, instead of a map entry with
// a string per alert (about 280 bytes an alert). Numbers are added while the
// listing runs and looked up only after seal, which sorts them once.
type keySet struct {
	repos map[repoKey]*numberList
	// odd holds the numbers a uint32 cannot (GitHub's are small positive
	// integers; this keeps the set exact whatever it is given).
	odd    map[exporter.AlertKey]struct{}
	sealed bool
}

type repoKey struct {
	src  exporter.Source
	repo string
}

type numberList struct{ n []uint32 }

func newKeySet() *keySet {
	return &keySet{repos: map[repoKey]*numberList{}, odd: map[exporter.AlertKey]struct{}{}}
}

// add puts k in the set; it panics after seal (a programming error).
func (s *keySet) add(k exporter.AlertKey) {
	if s.sealed {
		panic("keySet.add after seal")
	}
	if k.Number < 0 || k.Number > math.MaxUint32 {
		s.odd[k] = struct{}{}
		return
	}
	rk := repoKey{k.Source, k.Repo}
	l := s.repos[rk]
	if l == nil {
		l = &numberList{}
		s.repos[rk] = l
	}
	l.n = append(l.n, uint32(k.Number))
}

// seal sorts and deduplicates every repository's numbers: a listing can
// return an alert twice when it moves between pages.
func (s *keySet) seal() {
	for _, l := range s.repos {
		slices.Sort(l.n)
		l.n = slices.Compact(l.n)
	}
	s.sealed = true
}

// has reports whether k was added; the set must be sealed.
func (s *keySet) has(k exporter.AlertKey) bool {
	if k.Number < 0 || k.Number > math.MaxUint32 {
		_, ok := s.odd[k]
		return ok
	}
	l := s.repos[repoKey{k.Source, k.Repo}]
	if l == nil {
		return false
	}
	_, ok := slices.BinarySearch(l.n, uint32(k.Number))
	return ok
}
