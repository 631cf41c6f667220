package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// buildBinary compiles the real program once per test, so the crash tests
// kill the same executable an operator runs (not the test binary).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ghsec-exporter")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// transition is one record the mutation log says must reach the sink: the
// alert's key, the action and GitHub's time for it.
type transition struct {
	Source, Repo string
	Number       int
	Action       string
	Time         string // RFC 3339 UTC, as the record carries it
}

func (tr transition) String() string {
	return fmt.Sprintf("%s %s#%d %s @%s", tr.Source, tr.Repo, tr.Number, tr.Action, tr.Time)
}

// line is one JSON line of the file sink, decoded only as far as the checks need.
type line struct {
	raw []byte
	ID  string
	transition
}

// parseLine decodes one sink line and validates it against the record
// schema; a torn or invalid line is an error.
func parseLine(raw []byte) (line, error) {
	var r struct {
		ID       string `json:"id"`
		Time     string `json:"time"`
		Category string `json:"category"`
		Source   string `json:"source"`
		Action   string `json:"action"`
		Repo     string `json:"repo"`
		Alert    *struct {
			Number int `json:"number"`
		} `json:"alert"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return line{}, err
	}
	if err := recordschema.ValidateJSON(raw); err != nil {
		return line{}, err
	}
	l := line{raw: raw, ID: r.ID, transition: transition{Source: r.Source, Repo: r.Repo, Action: r.Action, Time: r.Time}}
	if r.Alert != nil {
		l.Number = r.Alert.Number
	}
	return l, nil
}

// readLines splits the sink file into lines; a last line without its
// newline is returned too (it is torn).
func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
	return out
}

// killSwitch sits in front of the simulator and SIGKILLs the current daemon
// when the simulator receives its Nth request since the daemon started —
// an event, not a timer — either before answering that request (the daemon
// dies mid-request) or a seeded moment after answering it (mid-commit or
// mid-delivery).
type killSwitch struct {
	next http.Handler

	mu     sync.Mutex
	proc   *os.Process
	count  int
	n      int
	after  time.Duration // <0: kill before answering
	killed chan struct{}
}

func (k *killSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.count++
	fire := k.proc != nil && k.count == k.n
	proc, after, killed := k.proc, k.after, k.killed
	k.mu.Unlock()
	if fire && after < 0 {
		close(killed) // before the kill, so the exit is always seen as ours
		_ = proc.Kill()
		http.Error(w, "killed", http.StatusServiceUnavailable)
		return
	}
	k.next.ServeHTTP(w, r)
	if fire {
		time.AfterFunc(after, func() { close(killed); _ = proc.Kill() })
	}
}

// start runs cmd armed to be killed at the nth request; the lock is held
// across Start so no request of the new process can slip past the count.
func (k *killSwitch) start(cmd *exec.Cmd, n int, after time.Duration) (<-chan struct{}, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	k.proc, k.count, k.n, k.after = cmd.Process, 0, n, after
	k.killed = make(chan struct{})
	return k.killed, nil
}

// disarm forgets the process (after it exited).
func (k *killSwitch) disarm() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc = nil
}

// tracked is the test's model of one simulated alert.
type tracked struct {
	kind     ghsim.Kind
	repo     string
	number   int
	state    string
	severity string
	bypassed bool
}

// mutator changes simulated alerts at random (seeded) and logs the
// transition each change must produce.
type mutator struct {
	sim      *ghsim.Sim
	rng      *rand.Rand
	alerts   []*tracked
	expected []transition
	repos    []string
}

var severities = []string{"low", "medium", "high", "critical"}

func (m *mutator) stamp() string { return m.sim.Now().UTC().Truncate(time.Second).Format(time.RFC3339) }

func (m *mutator) log(a *tracked, action string) {
	m.expected = append(m.expected, transition{Source: string(a.kind), Repo: a.repo, Number: a.number, Action: action, Time: m.stamp()})
}

func (m *mutator) create(kind ghsim.Kind) {
	repo := m.repos[m.rng.IntN(len(m.repos))]
	sev := severities[m.rng.IntN(len(severities))]
	spec := ghsim.AlertSpec{}
	if kind == ghsim.Dependabot {
		spec.Severity = sev
	}
	n := m.sim.CreateAlert(kind, repo, spec)
	a := &tracked{kind: kind, repo: repo, number: n, state: "open", severity: sev}
	m.alerts = append(m.alerts, a)
	m.log(a, "created")
}

// mutate applies one random change to a and logs what the diff must emit.
func (m *mutator) mutate(t *testing.T, a *tracked) {
	t.Helper()
	var err error
	action := ""
	switch {
	case a.kind == ghsim.SecretScanning && a.state == "open":
		if !a.bypassed && m.rng.IntN(3) == 0 {
			err, action, a.bypassed = m.sim.Bypass(a.repo, a.number, "carol"), "push_protection_bypassed", true
		} else {
			err, action, a.state = m.sim.Resolve(a.repo, a.number, "bob", "revoked", "rotated"), "resolved", "resolved"
		}
	case a.state == "open":
		switch r := m.rng.IntN(4); {
		case r == 0:
			err, action, a.state = m.sim.Dismiss(a.kind, a.repo, a.number, "alice", "tolerable_risk", "build only"), "dismissed", "dismissed"
		case r == 1:
			err, action, a.state = m.sim.Fix(a.kind, a.repo, a.number), "fixed", "fixed"
		case r == 2 && a.kind == ghsim.Dependabot:
			err, action, a.state = m.sim.AutoDismiss(a.repo, a.number), "auto_dismissed", "auto_dismissed"
		case a.kind == ghsim.Dependabot:
			sev := a.severity
			for sev == a.severity {
				sev = severities[m.rng.IntN(len(severities))]
			}
			err, action, a.severity = m.sim.SetSeverity(a.kind, a.repo, a.number, sev), "severity_changed", sev
		default:
			err, action, a.state = m.sim.Dismiss(a.kind, a.repo, a.number, "alice", "false_positive", ""), "dismissed", "dismissed"
		}
	default:
		action = map[string]string{"dismissed": "reopened", "resolved": "reopened", "fixed": "reintroduced", "auto_dismissed": "auto_reopened"}[a.state]
		err, a.state = m.sim.Reopen(a.kind, a.repo, a.number, "dave"), "open"
	}
	if err != nil {
		t.Fatalf("mutate %s %s#%d: %v", a.kind, a.repo, a.number, err)
	}
	m.log(a, action)
}
