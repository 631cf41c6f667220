package splunk

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// fakePost refuses as bad data any request holding a bad index, answers
// stop (Retry or Paused) to the request holding index stopAt, and records
// every request.
type fakePost struct {
	bad    map[int]bool
	stopAt int
	stop   Attempt
	posts  [][]int
	taken  []int
}

func (f *fakePost) post(_ context.Context, idxs []int) Attempt {
	f.posts = append(f.posts, append([]int(nil), idxs...))
	for _, i := range idxs {
		if i == f.stopAt {
			return f.stop
		}
	}
	for _, i := range idxs {
		if f.bad[i] {
			return Attempt{Outcome: BadData, Err: errors.New("bad " + strconv.Itoa(i))}
		}
	}
	f.taken = append(f.taken, idxs...)
	return Attempt{}
}

func TestDeliver_BisectsToTheBadRecords(t *testing.T) {
	f := &fakePost{bad: map[int]bool{2: true, 5: true}, stopAt: -1}
	var rej Rejections
	rej.Add(errors.New("unencodable"), 7)
	if err := Deliver(context.Background(), [][]int{{0, 1, 2, 3, 4, 5}, {6}}, f.post, &rej); err != nil {
		t.Fatalf("Deliver = %v", err)
	}
	if want := []int{0, 1, 3, 4, 6}; !reflect.DeepEqual(f.taken, want) {
		t.Errorf("accepted %v, want %v", f.taken, want)
	}
	batch := make([]exporter.RawRecord, 8)
	for i := range batch {
		batch[i].Head.ID = "r" + strconv.Itoa(i)
	}
	err := rej.Err("test service", batch)
	de := exporter.Classify(err)
	if !reflect.DeepEqual(de.Rejected, []int{2, 5, 7}) {
		t.Fatalf("Rejected = %v (%v), want [2 5 7]", de.Rejected, err)
	}
	if got, want := err.Error(), "3 records rejected: test service refused 3 of 8 records (ids r2, r5, r7): bad 5"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	want := [][]int{{0, 1, 2, 3, 4, 5}, {0, 1, 2}, {0}, {1, 2}, {1}, {2}, {3, 4, 5}, {3}, {4, 5}, {4}, {5}, {6}}
	if !reflect.DeepEqual(f.posts, want) {
		t.Errorf("requests %v, want %v", f.posts, want)
	}
}

func TestDeliver_StopsOnRetryAndPause(t *testing.T) {
	tests := []struct {
		name string
		stop Attempt
		is   func(*exporter.DeliveryError) bool
	}{
		{"retry keeps Retry-After", Attempt{Outcome: Retry, Err: errors.New("busy"), RetryAfter: 30 * time.Second},
			func(d *exporter.DeliveryError) bool {
				return d.Kind == exporter.KindRetryable && d.RetryAfter == 30*time.Second
			}},
		{"pause", Attempt{Outcome: Paused, Err: errors.New("bad token")},
			func(d *exporter.DeliveryError) bool { return d.Kind == exporter.KindPaused }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakePost{bad: map[int]bool{0: true}, stopAt: 3, stop: tt.stop}
			var rej Rejections
			err := Deliver(context.Background(), [][]int{{0, 1}, {2, 3}, {4}}, f.post, &rej)
			if de := exporter.Classify(err); err == nil || !tt.is(de) || !errors.Is(err, tt.stop.Err) {
				t.Fatalf("Deliver = %#v, want the %s", err, tt.name)
			}
			if len(f.posts) != 4 {
				t.Errorf("requests %v: want the chunk after the failure not sent", f.posts)
			}
		})
	}
}

func TestRejections_NoneIsNil(t *testing.T) {
	var rej Rejections
	if err := rej.Err("x", nil); err != nil {
		t.Fatalf("Err with nothing refused = %v", err)
	}
}
