package batching

import (
	"reflect"
	"testing"
)

func TestChunks(t *testing.T) {
	tests := []struct {
		name                        string
		sizes                       []int
		maxEvents, maxBytes, overhd int
		want                        [][]int
	}{
		{"by count and bytes; unencodable skipped; oversize alone", []int{4, 4, 0, 2, 14, 1, 1, 1, 1}, 3, 10, 0, [][]int{{0, 1, 3}, {4}, {5, 6, 7}, {8}}},
		{"overhead counts per request", []int{4, 4, 4}, 10, 10, 2, [][]int{{0, 1}, {2}}},
		{"nothing encodable", []int{0, 0}, 10, 10, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Chunks(tt.sizes, tt.maxEvents, tt.maxBytes, tt.overhd); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Chunks = %v, want %v", got, tt.want)
			}
		})
	}
}
