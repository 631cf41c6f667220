package openapicheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// BenchmarkLoad measures one uncached load per product: "pruned" is what
// Load does (read, prune, parse, index); "plain" and "deref" parse the
// published files whole, for comparison (deref only for GHEC, the largest:
// ~10 s per load). Run with -benchtime=1x; the figures are in
// docs/openapi-proof.md.
func BenchmarkLoad(b *testing.B) {
	for _, product := range allProducts {
		b.Run("pruned/"+product, func(b *testing.B) {
			testtools.Need(b, descriptionFile(product))
			for b.Loop() {
				if _, err := load(product); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, product := range allProducts {
		b.Run("plain/"+product, func(b *testing.B) {
			benchParse(b, descriptionFile(product))
		})
	}
	b.Run("deref/ghec", func(b *testing.B) {
		benchParse(b, strings.TrimSuffix(descriptionFile("ghec"), ".json")+".deref.json")
	})
}

func benchParse(b *testing.B, file string) {
	testtools.Need(b, file)
	for b.Loop() {
		spec, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parse(spec); err != nil {
			b.Fatalf("%s: %v", filepath.Base(file), err)
		}
	}
}

// BenchmarkPrunedSize reports how much of each description Load keeps.
func BenchmarkPrunedSize(b *testing.B) {
	for _, product := range allProducts {
		b.Run(product, func(b *testing.B) {
			testtools.Need(b, descriptionFile(product))
			spec, err := os.ReadFile(descriptionFile(product))
			if err != nil {
				b.Fatal(err)
			}
			var out []byte
			for b.Loop() {
				if out, err = prune(spec, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(spec))/1e6, "MB-published")
			b.ReportMetric(float64(len(out))/1e6, "MB-pruned")
		})
	}
}

// BenchmarkCheckAll measures checking a poll's worth of requests against a
// loaded Checker (every request distinct, as with real cursors).
func BenchmarkCheckAll(b *testing.B) {
	c := Load(b, ghec)
	var reqs []Req
	for i := range 1000 {
		tc := validCases[i%len(validCases)]
		if !contains(tc.products, ghec) {
			continue
		}
		sep := "?"
		if strings.Contains(tc.req, "?") {
			sep = "&"
		}
		reqs = append(reqs, Req{"GET", mustURL(b, ghec, fmt.Sprintf("%s%sx_=%d", tc.req, sep, i))})
	}
	// x_ is undeclared: every request yields one error, grouped into one per
	// operation, so the benchmark covers the error path too.
	for b.Loop() {
		if err := c.CheckAll(reqs); err == nil {
			b.Fatal("undeclared x_ accepted")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reqs)), "ns/request")
}
