package email

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The digest's lists are kept at list_limit while the entries stream by;
// they must hold exactly what sorting every line and cutting would.

func lineKeys(l List) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, fmt.Sprintf("%s %s %s %s#%d %s", it.Time, it.Severity, it.Source, it.Repo, it.Number, it.Action))
	}
	return out
}

// wantList is the list as the digest defined it before bounding: a stable
// sort of every line in arrival order, then the first limit.
func wantList(lines []AlertLine, limit int, order func(a, b AlertLine) int) List {
	lines = slices.Clone(lines)
	slices.SortStableFunc(lines, order)
	if len(lines) <= limit {
		return List{Items: lines}
	}
	return List{Items: lines[:limit], More: len(lines) - limit}
}

func TestDigest_ListsBeyondLimitKeepTheFirst(t *testing.T) {
	const limit = 7
	rng := rand.New(rand.NewPCG(1, 2))
	sevs := []string{"critical", "high", "medium", "low", ""}
	var recs []exporter.Record
	var newCH, bypasses, dismissals []AlertLine
	add := func(r exporter.Record, to *[]AlertLine) {
		recs = append(recs, r)
		if to != nil {
			e := entryOf(r)
			*to = append(*to, lineOf(&e, time.UTC))
		}
	}
	for i := range 400 {
		// Few distinct times, repos and numbers, so that many lines tie on
		// the order and only arrival tells them apart.
		at := base.Add(-time.Duration(rng.IntN(3)) * time.Hour)
		repo, n := fmt.Sprintf("acme/r%d", rng.IntN(2)), rng.IntN(2)+1
		src := exporter.AlertSources[i%3]
		switch rng.IntN(4) {
		case 0:
			sev := sevs[rng.IntN(len(sevs))]
			r := alertRec(src, repo, n, exporter.ActionCreated, sev, at, func(r *exporter.Record) { r.ID = fmt.Sprintf("rec-%d", i) })
			if sev == "critical" || sev == "high" {
				add(r, &newCH)
			} else {
				add(r, nil)
			}
		case 1:
			add(alertRec(exporter.SourceSecretScanning, repo, n, exporter.ActionPushProtectionBypassed, "", at, func(r *exporter.Record) {
				r.ID, r.Actor, r.Alert.SecretType = fmt.Sprintf("rec-%d", i), fmt.Sprintf("user%d", i), "slack_api_token"
			}), &bypasses)
		case 2:
			action := exporter.ActionDismissed
			if src == exporter.SourceSecretScanning {
				action = exporter.ActionResolved
			}
			add(alertRec(src, repo, n, action, "high", at, func(r *exporter.Record) {
				r.ID, r.Actor = fmt.Sprintf("rec-%d", i), fmt.Sprintf("user%d", i)
			}), &dismissals)
		default:
			add(alertRec(src, repo, n, exporter.ActionReopened, "low", at, func(r *exporter.Record) { r.ID = fmt.Sprintf("rec-%d", i) }), nil)
		}
	}
	cfg := offlineConfig()
	cfg.ListLimit = limit
	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(t, cfg, openState(t, ""), clk.Now)
	sendAll(t, s, recs, 13)
	d, _ := cutDigest(t, s, clk)
	for _, c := range []struct {
		name  string
		got   List
		lines []AlertLine
		order func(a, b AlertLine) int
	}{
		{"new critical and high", d.NewCriticalHigh, newCH, bySeverityThenTime},
		{"bypasses", d.Bypasses, bypasses, byTime},
		{"dismissals", d.Dismissals, dismissals, byTime},
	} {
		want := wantList(c.lines, limit, c.order)
		if len(c.lines) <= 3*limit {
			t.Fatalf("%s: only %d lines, the test needs many more than the limit", c.name, len(c.lines))
		}
		if g, w := lineKeys(c.got), lineKeys(want); !slices.Equal(g, w) || c.got.More != want.More {
			t.Errorf("%s: got %d more\n%v\nwant %d more\n%v", c.name, c.got.More, g, want.More, w)
		}
		// The actors tell tied lines apart: the earliest arrivals are kept.
		for i := range want.Items {
			if c.got.Items[i].Actor != want.Items[i].Actor {
				t.Errorf("%s[%d]: actor %q, want %q (ties keep arrival order)", c.name, i, c.got.Items[i].Actor, want.Items[i].Actor)
			}
		}
	}
}

func TestTopList_FewerThanLimit(t *testing.T) {
	l := newTopList(5, byTime)
	if got := l.list(); got.Items != nil || got.More != 0 {
		t.Errorf("empty list: %+v", got)
	}
	for i := range 3 {
		l.add(AlertLine{Time: Stamp{base.Add(-time.Duration(i) * time.Hour)}, Number: i})
	}
	got := l.list()
	if len(got.Items) != 3 || got.More != 0 || got.Items[0].Number != 2 || got.Items[2].Number != 0 {
		t.Errorf("list of 3 under limit 5: %+v", got)
	}
}
