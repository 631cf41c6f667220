package batching

import (
	"errors"
	"fmt"
	"testing"
)

// Bodies builds each chunk's body once, ahead; Take hands it out once and
// builds any other request (a bisected half, a chunk taken again) anew,
// errors included.
func TestBodies(t *testing.T) {
	boom := errors.New("boom")
	var built []string
	build := func(idxs []int) ([]byte, error) {
		built = append(built, fmt.Sprint(idxs))
		if idxs[0] == 5 {
			return nil, boom
		}
		return []byte(fmt.Sprint(idxs)), nil
	}
	bs := NewBodies([][]int{{0, 1, 2, 3}, {5}}, build)
	if fmt.Sprint(built) != "[[0 1 2 3] [5]]" {
		t.Fatalf("built ahead %v", built)
	}
	for _, tc := range []struct {
		idxs  []int
		want  string
		err   error
		build bool // built by Take, not ahead
	}{
		{[]int{0, 1, 2, 3}, "[0 1 2 3]", nil, false},
		{[]int{5}, "", boom, false},
		{[]int{0, 1}, "[0 1]", nil, true},
		{[]int{2, 3}, "[2 3]", nil, true},
		{[]int{0, 1, 2, 3}, "[0 1 2 3]", nil, true},
	} {
		n := len(built)
		b, err := bs.Take(tc.idxs)
		if string(b) != tc.want || err != tc.err {
			t.Errorf("Take(%v) = %q, %v; want %q, %v", tc.idxs, b, err, tc.want, tc.err)
		}
		if got := len(built) > n; got != tc.build {
			t.Errorf("Take(%v) built: %v, want %v", tc.idxs, got, tc.build)
		}
	}
}
