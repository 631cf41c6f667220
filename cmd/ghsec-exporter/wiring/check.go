package wiring

import (
	"context"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Checked is one sink's online verdicts.
type Checked struct {
	Name, Type string
	Results    []exporter.CheckResult
}

// Check builds every resolved sink with deps(name) and runs its online
// check (exporter.Checker), closing it afterwards; nothing is delivered. A
// sink that cannot be built gets one failed "build" result; a type without
// an online check says so in one passing "online" result. deps may leave
// Attempts nil: nothing is delivered, so a single attempt stands in.
func Check(ctx context.Context, rs []*Resolved, deps func(name string) exporter.SinkDeps) []Checked {
	out := make([]Checked, 0, len(rs))
	for _, v := range rs {
		c := Checked{Name: v.Name, Type: v.Type}
		d := deps(v.Name)
		if d.Attempts == nil {
			d.Attempts = singleAttempt{}
		}
		s, err := v.Build(d)
		switch {
		case err != nil:
			c.Results = []exporter.CheckResult{{Check: "build", Detail: err.Error(), Fix: "fix the sink's settings named in the error"}}
		default:
			if ch, ok := s.(exporter.Checker); ok {
				c.Results = ch.Check(ctx)
			} else {
				c.Results = []exporter.CheckResult{{Check: "online", OK: true, Detail: "no online check for this sink type; the first delivery proves it"}}
			}
			_ = s.Close()
		}
		out = append(out, c)
	}
	return out
}

// singleAttempt is the Attempter of a sink built only to be checked: it
// never runs a schedule, so no retry policy is needed.
type singleAttempt struct{}

func (singleAttempt) Attempt(ctx context.Context, _ string, send func(context.Context) error) error {
	return send(ctx)
}
