package ghsim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Populate fills org with repos repositories ("org/repo-0001", ...) and
// perKind alerts of each kind spread over them at random (seeded), created
// over the 180 days before Now with numbers increasing with creation time per
// repository. A realistic share is already closed: Dependabot ~20% dismissed,
// ~15% fixed, ~3% auto-dismissed; code scanning ~15% dismissed, ~20% fixed;
// secret scanning ~25% resolved and ~8% push-protection bypassed. Closing
// times lie between creation and Now. It writes no audit events.
//
// It builds the alerts directly under one lock, so 3 × 20,000 alerts take
// well under a second.
func Populate(s *Sim, org string, repos, perKind int, seed int64) {
	if repos < 1 {
		repos = 1
	}
	now := s.now()
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5DEECE66D))
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := make([]*repo, repos)
	for i := range rs {
		rs[i] = s.repoLocked(fmt.Sprintf("%s/repo-%04d", org, i+1))
	}
	const span = 180 * 24 * time.Hour
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	for _, kind := range Kinds {
		ki := kindIndex(kind)
		for i := 0; i < perKind; i++ {
			created := now.Add(-span + time.Duration(int64(span)/int64(perKind)*int64(i))).Truncate(time.Second)
			r := rs[rng.IntN(repos)]
			a := &alert{id: s.newID(), kind: kind, repo: r, state: "open", created: created, updated: created}
			a.spec = fillSpec(kind, AlertSpec{}, int64(rng.IntN(1<<30)))
			if kind == CodeScanning && rng.IntN(4) == 0 {
				a.spec.Severity, a.spec.RuleSeverity = "", []string{"note", "warning"}[rng.IntN(2)]
			}
			r.next[ki]++
			a.number = r.next[ki]
			r.byNum[ki][a.number] = a
			closeAt := created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)) + 1))).Truncate(time.Second)
			who := users[rng.IntN(len(users))]
			p := rng.IntN(100)
			switch {
			case kind == Dependabot && p < 20:
				a.state, a.dismissedAt, a.dismissedBy = "dismissed", closeAt, who
				a.dismissedReason = []string{"tolerable_risk", "no_bandwidth", "not_used", "inaccurate", "fix_started"}[rng.IntN(5)]
				a.dismissedComment = "Reviewed by " + who
			case kind == Dependabot && p < 35:
				a.state, a.fixedAt = "fixed", closeAt
			case kind == Dependabot && p < 38:
				a.state, a.autoDismissedAt = "auto_dismissed", closeAt
			case kind == CodeScanning && p < 15:
				a.state, a.dismissedAt, a.dismissedBy = "dismissed", closeAt, who
				a.dismissedReason = []string{"false positive", "won't fix", "used in tests"}[rng.IntN(3)]
			case kind == CodeScanning && p < 35:
				a.state, a.fixedAt = "fixed", closeAt
			case kind == SecretScanning && p < 25:
				a.state, a.resolvedAt, a.resolvedBy = "resolved", closeAt, who
				a.resolution = []string{"revoked", "false_positive", "used_in_tests", "wont_fix"}[rng.IntN(4)]
			}
			if kind == SecretScanning && rng.IntN(100) < 8 {
				a.bypassed, a.bypassedBy, a.bypassedAt = true, who, created
			}
			if a.state != "open" {
				a.updated = closeAt
			}
		}
		s.version[ki]++
	}
}
