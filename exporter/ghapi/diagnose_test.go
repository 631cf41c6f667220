package ghapi

import (
	"reflect"
	"testing"
)

// Problems makes one line per fix: the targets in the order they failed
// first, each with its checks, a listing's repeated check named once.
func TestProblems_OnePerFix(t *testing.T) {
	var ps Problems
	token := Diagnosis{Result: "401: credential rejected", Fix: FixCredential}
	down := Diagnosis{Result: "no answer: connection refused", Fix: FixNoAnswer}
	ps.Add("org:acme", "dependabot", token)
	ps.Add("org:acme", "secret_scanning", token)
	ps.Add("org:acme", "secret_scanning", token) // the generic listing, a second request
	ps.Add("enterprise:e", "audit_log", down)
	ps.Add("org:globex", "dependabot", token)
	ps.Add("org:acme", "code_scanning", token)

	got := ps.List()
	if len(got) != 2 || !ps.Has(FixCredential) || !ps.Has(FixNoAnswer) || ps.Has("other") {
		t.Fatalf("problems %+v", got)
	}
	type line struct {
		result, targets, fix string
		n                    int
	}
	want := []line{
		{token.Result, "org:acme dependabot, secret_scanning, code_scanning; org:globex dependabot", FixCredential, 5},
		{down.Result, "enterprise:e audit_log", FixNoAnswer, 1},
	}
	for i, p := range got {
		if l := (line{p.Result, p.Targets(), p.Fix, p.N}); !reflect.DeepEqual(l, want[i]) {
			t.Errorf("problem %d: %+v, want %+v", i, l, want[i])
		}
	}
}
