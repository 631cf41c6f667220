package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

type fakeHooks struct {
	list       map[ghapi.HookRef][]ghapi.HookDelivery
	listErr    error
	redelivers []int64
}

func (f *fakeHooks) ListHookDeliveries(_ context.Context, h ghapi.HookRef, _ time.Time) ([]ghapi.HookDelivery, error) {
	if h.App && f.listErr != nil {
		return nil, f.listErr
	}
	return f.list[h], nil
}

func (f *fakeHooks) Redeliver(_ context.Context, _ ghapi.HookRef, id int64) error {
	f.redelivers = append(f.redelivers, id)
	return nil
}

func TestRedeliverer_PicksFailedUnprocessedGUIDsOldestFirst(t *testing.T) {
	org := ghapi.HookRef{Org: "acme", ID: 1}
	d := func(id int64, guid string, code int) ghapi.HookDelivery {
		return ghapi.HookDelivery{ID: id, GUID: guid, StatusCode: code}
	}
	var five []ghapi.HookDelivery
	for i := int64(0); i < MaxAttempts; i++ {
		five = append(five, d(100+i, "always-401", 401))
	}
	f := &fakeHooks{list: map[ghapi.HookRef][]ghapi.HookDelivery{org: append([]ghapi.HookDelivery{
		// newest first, as GitHub lists them
		d(9, "newer-failed", 502),
		d(8, "redelivered-ok", 200),
		d(7, "processed-here", 0), // we committed it but the 2xx was lost
		d(6, "redelivered-ok", 503),
		d(5, "failed-twice", 0),
		d(4, "failed-twice", 502),
		d(3, "ok", 200),
	}, five...)}, listErr: errors.New("app hook: 401")}
	r := &Redeliverer{
		API: f, Hooks: []ghapi.HookRef{org, {App: true}}, Window: 72 * time.Hour,
		Seen: func(g string) (bool, error) { return g == "processed-here", nil },
		Now:  time.Now, Log: slog.New(slog.DiscardHandler),
	}
	st, err := r.Run(context.Background())
	if err == nil {
		t.Fatal("a failing hook must be reported")
	}
	// failed-twice's newest attempt (5) before newer-failed (9)
	if len(f.redelivers) != 2 || f.redelivers[0] != 5 || f.redelivers[1] != 9 {
		t.Fatalf("redelivered %v", f.redelivers)
	}
	if st.Redelivered != 2 || st.GaveUp != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// One run whose redelivery requests all fail (1,000 GUIDs, the attempts
// endpoint answering 500) makes one short error: the count, the first few,
// the distinct causes; not 1,000 errors joined into one 184 KB line.
func TestRedeliverer_ManyFailuresSummarized(t *testing.T) {
	org := ghapi.HookRef{Org: "acme", ID: 1}
	var ds []ghapi.HookDelivery
	for i := range 1000 {
		ds = append(ds, ghapi.HookDelivery{ID: int64(i + 1), GUID: fmt.Sprintf("guid-%d", i), StatusCode: 502})
	}
	down := errors.New("GitHub answered 500: Server Error")
	api := &failingRedeliver{fakeHooks: fakeHooks{list: map[ghapi.HookRef][]ghapi.HookDelivery{org: ds}}, err: down}
	r := &Redeliverer{
		API: api, Hooks: []ghapi.HookRef{org}, Window: 72 * time.Hour,
		Seen: func(string) (bool, error) { return false, nil }, Now: time.Now, Log: slog.New(slog.DiscardHandler),
	}
	_, err := r.Run(context.Background())
	if !errors.Is(err, down) {
		t.Fatalf("err %v must wrap every failure", err)
	}
	msg := err.Error()
	if len(msg) > 1000 {
		t.Fatalf("error of %d bytes: %.300s…", len(msg), msg)
	}
	for _, want := range []string{"1000 requests failed", "redeliver delivery 1000 ", "1 distinct causes: GitHub answered 500: Server Error (1000)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

type failingRedeliver struct {
	fakeHooks
	err error
}

func (f *failingRedeliver) Redeliver(_ context.Context, _ ghapi.HookRef, id int64) error {
	return fmt.Errorf("redeliver delivery %d of org acme hook 1: %w", id, f.err)
}
