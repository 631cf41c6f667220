package daemon

import (
	"context"
	"errors"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/google/go-github/v62/github"
)

// The explained error still unwraps to GitHub's answers.
func TestExplain_UnwrapsToGitHubsAnswers(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	e.sim.InjectFault(ghsim.Fault{PathContains: "/orgs/acme/dependabot/alerts", Count: 1, Status: 500})
	a := e.app(Options{})
	defer a.Close()
	err := a.explain(a.PollAlerts(context.Background()))
	if ghapi.StatusOf(err) != 500 {
		t.Errorf("explained error lost its cause: %v", err)
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Errorf("explained error does not unwrap to go-github's")
	}
}

// Failures that are not GitHub's answers keep their text, and alone are
// returned untouched.
func TestExplain_OtherErrorsKeepTheirText(t *testing.T) {
	e := newEnv(t, "dotcom")
	a := e.app(Options{})
	defer a.Close()
	plain := errors.New("state file: disk full")
	if got := a.explain(plain); got != plain {
		t.Fatalf("explain(%v) = %v, want it unchanged", plain, got)
	}
	if a.explain(nil) != nil {
		t.Fatal("explain(nil) is not nil")
	}
}
