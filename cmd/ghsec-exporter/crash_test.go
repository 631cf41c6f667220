package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// crashKills is how many times TestCrashConsistency SIGKILLs the daemon:
// GHSEC_KILLS, default sized for CI. A long run:
//
//	GHSEC_KILLS=500 go test -run TestCrashConsistency -timeout 2h ./cmd/ghsec-exporter/
func crashKills(t *testing.T) int {
	s := os.Getenv("GHSEC_KILLS")
	if s == "" {
		return 25
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("GHSEC_KILLS=%q: want a positive number", s)
	}
	return n
}

// crashSeed is GHSEC_CRASH_SEED, default 1; a failure names it for replay.
func crashSeed(t *testing.T) uint64 {
	s := os.Getenv("GHSEC_CRASH_SEED")
	if s == "" {
		return 1
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("GHSEC_CRASH_SEED=%q: want a number", s)
	}
	return n
}

// TestCrashConsistency runs the real daemon against the simulator while
// alerts change, SIGKILLs it at seeded moments (the Nth GitHub request after
// start, before answering it or a seeded instant after) and restarts it. At
// the end every transition the mutation log implies is in the file sink
// exactly as one id, a repeated line repeats its record byte for byte, and
// every line is a valid record: a crash at any instant loses nothing,
// invents nothing and corrupts nothing.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the daemon many times")
	}
	kills, seed := crashKills(t), crashSeed(t)
	bin := buildBinary(t)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))

	sim := ghsim.New(ghsim.Options{Token: "tok", Seed: int64(seed), RateLimit: 1 << 30})
	ks := &killSwitch{next: sim}
	srv := httptest.NewServer(ks)
	defer srv.Close()

	m := &mutator{sim: sim, rng: rng}
	for i := 0; i < 4; i++ {
		m.repos = append(m.repos, fmt.Sprintf("acme/r%d", i))
	}
	// more than one page (100) of Dependabot alerts, so backfills and
	// catch-up polls commit page by page
	for i := 0; i < 130; i++ {
		m.create([]ghsim.Kind{ghsim.Dependabot, ghsim.Dependabot, ghsim.CodeScanning, ghsim.SecretScanning}[i%4])
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`github:
  base_url: %s/
  token_env: GHSEC_CRASH_TOKEN
  orgs: [acme]
state:
  path: %s
schedules:
  alerts: "@every 1s"
delivery:
  batch_size: 25
  min_backoff: 10ms
  max_backoff: 100ms
log:
  level: debug
sinks:
  - {name: out, type: file, path: %s}
`, srv.URL, filepath.Join(dir, "state.db"), out)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GHSEC_CRASH_TOKEN=tok")

	var lastStderr bytes.Buffer
	afterKills := 0
	for k := 0; k < kills; k++ {
		// change only alerts whose earlier transitions already reached the
		// sink: a change on top of an unobserved one could hide it from any
		// poll (dismissed then reopened between polls leaves no trace)
		seen := presentTransitions(t, out)
		sim.Advance(time.Minute)
		for i := 0; i < 2; i++ {
			m.create(ghsim.Kinds[rng.IntN(3)])
		}
		for _, a := range pick(rng, m.settled(seen), 8) {
			m.mutate(t, a)
		}
		sim.Advance(time.Second)

		n := 1 + rng.IntN(12)
		after := time.Duration(-1)
		if rng.IntN(2) == 0 {
			after = time.Duration(rng.IntN(40_000)) * time.Microsecond
			afterKills++
		}
		lastStderr.Reset()
		cmd := exec.Command(bin, "run", "-config", cfgPath)
		cmd.Env = env
		cmd.Stderr = &lastStderr
		killed, err := ks.start(cmd, n, after)
		if err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-killed:
			<-exited
		case err := <-exited:
			select {
			case <-killed: // the kill won the race to be noticed
				break
			default:
				t.Fatalf("seed %d kill %d: the daemon exited on its own (%v) before request %d:\n%s", seed, k, err, n, lastStderr.String())
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("seed %d kill %d: request %d never came:\n%s", seed, k, n, lastStderr.String())
		}
		ks.disarm()
		if bytes.Contains(lastStderr.Bytes(), []byte("panic:")) {
			t.Fatalf("seed %d kill %d: panic:\n%s", seed, k, lastStderr.String())
		}
	}

	// quiescence: one more poll of everything and a full drain
	final := exec.Command(bin, "once", "-config", cfgPath)
	final.Env = env
	if b, err := final.CombinedOutput(); err != nil {
		t.Fatalf("seed %d: final once: %v\n%s", seed, err, b)
	}
	checkSink(t, fmt.Sprintf("seed %d, %d kills (%d before answering a request, %d after)", seed, kills, kills-afterKills, afterKills), out, m.expected)
}

// settled lists the alerts all of whose logged transitions are in seen.
func (m *mutator) settled(seen map[transition]bool) []*tracked {
	pending := map[[3]string]bool{}
	for _, tr := range m.expected {
		if !seen[tr] {
			pending[[3]string{tr.Source, tr.Repo, strconv.Itoa(tr.Number)}] = true
		}
	}
	var out []*tracked
	for _, a := range m.alerts {
		if !pending[[3]string{string(a.kind), a.repo, strconv.Itoa(a.number)}] {
			out = append(out, a)
		}
	}
	return out
}

func pick(rng *rand.Rand, from []*tracked, n int) []*tracked {
	rng.Shuffle(len(from), func(i, j int) { from[i], from[j] = from[j], from[i] })
	return from[:min(n, len(from))]
}

// presentTransitions reads what reached the sink so far, skipping lines a
// kill may have torn (the final check is strict about those).
func presentTransitions(t *testing.T, path string) map[transition]bool {
	seen := map[transition]bool{}
	for _, raw := range readLines(t, path) {
		if l, err := parseLine(raw); err == nil {
			seen[l.transition] = true
		}
	}
	return seen
}

// checkSink is the verdict: no invalid line, every expected transition
// present under exactly one id, nothing unexpected, duplicates identical.
func checkSink(t *testing.T, label, path string, expected []transition) {
	t.Helper()
	want := map[transition]bool{}
	for _, tr := range expected {
		want[tr] = true
	}
	byID := map[string][]byte{}
	idOf := map[transition]string{}
	lines, dups, bad := 0, 0, 0
	for i, raw := range readLines(t, path) {
		lines++
		l, err := parseLine(raw)
		if err != nil {
			bad++
			t.Errorf("line %d is not a valid record (%v): %.200q", i+1, err, raw)
			continue
		}
		if prev, ok := byID[l.ID]; ok {
			dups++
			if !bytes.Equal(prev, raw) {
				t.Errorf("id %s delivered twice with different contents:\n%s\n%s", l.ID, prev, raw)
			}
			continue
		}
		byID[l.ID] = raw
		if id, ok := idOf[l.transition]; ok {
			t.Errorf("%v delivered under two ids %s and %s", l.transition, id, l.ID)
		}
		idOf[l.transition] = l.ID
		if !want[l.transition] {
			t.Errorf("unexpected record %v: %s", l.transition, raw)
		}
	}
	missing := 0
	for tr := range want {
		if _, ok := idOf[tr]; !ok {
			missing++
			if missing <= 20 {
				t.Errorf("missing %v", tr)
			}
		}
	}
	t.Logf("%s: expected transitions %d, lines %d, distinct records %d, duplicates %d, missing %d, invalid lines %d",
		label, len(want), lines, len(byID), dups, missing, bad)
}
