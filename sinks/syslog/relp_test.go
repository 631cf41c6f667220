package syslog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// relpReceiver starts rsyslog with its imrelp listeners.
func relpReceiver(t *testing.T) (*receivers.Rsyslog, *receiver) {
	t.Helper()
	receivers.NeedRELP(t)
	r := receivers.StartRsyslog(t)
	// imrelp accepts TCP before librelp answers an open (a CI run saw the
	// first session reset): ready is one whole RELP open and close
	cfg := relpConfig(r, "relp")
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", cfg.Address)
	}
	if !testtools.Poll(15*time.Second, 20*time.Millisecond, func() bool {
		c := newRELPClient(cfg, dial, "")
		if _, err := c.ensure(context.Background()); err != nil {
			return false
		}
		_ = c.close()
		return true
	}) {
		t.Fatalf("rsyslog's imrelp at %s never completed a RELP open", cfg.Address)
	}
	return r, &receiver{name: "rsyslog", read: r.Messages, proc: r.Proc, caFile: r.CAFile}
}

// relpConfig points a relp sink at one of rsyslog's imrelp listeners: relp,
// relptls or relpmtls (the input name rsyslog records).
func relpConfig(r *receivers.Rsyslog, input string) Config {
	cfg := DefaultConfig()
	cfg.Network, cfg.Hostname = NetworkRELP, "exporter-host"
	switch input {
	case "relp":
		cfg.Address = r.RELPAddr
	case "relptls":
		cfg.Address, cfg.TLS, cfg.CAFile = r.RELPTLSAddr, true, r.CAFile
	case "relpmtls":
		cfg.Address, cfg.TLS, cfg.CAFile = r.RELPMTLSAddr, true, r.CAFile
		cfg.CertFile, cfg.KeyFile = r.CertFile, r.KeyFile
	}
	return cfg
}

// TestRsyslog_RELP sends every sample record (and the nasty one) as JSON and
// CEF over RELP, RELP over TLS and RELP over TLS with a client certificate
// to rsyslog's imrelp, and checks what rsyslog parsed, as for TCP: PRI,
// header fields, every SD param, the body, and the listener it came in on.
func TestRsyslog_RELP(t *testing.T) {
	r, rc := relpReceiver(t)
	for _, input := range []string{"relp", "relptls", "relpmtls"} {
		for _, body := range []string{BodyJSON, BodyCEF} {
			t.Run(input+"/"+body, func(t *testing.T) {
				cfg := relpConfig(r, input)
				cfg.Body = body
				s := newTestSink(t, cfg)
				batch := taggedBatch(input + "-" + body)
				// Two Sends on one session: the second probes the idle
				// session first. A live receiver acknowledges at once.
				for _, part := range [][]exporter.Record{batch[:len(batch)/2], batch[len(batch)/2:]} {
					if err := s.Send(t.Context(), part); err != nil {
						t.Fatalf("Send: %v", err)
					}
				}
				got, _ := rc.waitIDs(t, ids(batch))
				for _, rec := range batch {
					if m := got[rec.ID]; m.Input != input {
						t.Errorf("%s arrived on %q, want %s", rec.ID, m.Input, input)
					}
					checkReceived(t, got[rec.ID], rec, cfg)
				}
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
		}
	}
	t.Run("rfc3164", func(t *testing.T) {
		cfg := relpConfig(r, "relp")
		cfg.Format = FormatRFC3164
		s := newTestSink(t, cfg)
		batch := taggedBatch("relp-3164")
		if err := s.Send(t.Context(), batch); err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := waitBodies(t, r, batch)
		for _, rec := range batch {
			if m := got[rec.ID]; m.PRI != 16*8+expectedSeverity(rec) || m.Host != "exporter-host" || m.App != "ghsec-exporter" {
				t.Errorf("%s: PRI %d host %q app %q", rec.ID, m.PRI, m.Host, m.App)
			}
			checkJSONBody(t, got[rec.ID].Msg, rec)
		}
	})
}

// TestRsyslog_RELP_MutualTLSNeedsCertificate: without a client certificate
// the certvalid listener refuses the handshake; the Send is retryable.
func TestRsyslog_RELP_MutualTLSNeedsCertificate(t *testing.T) {
	r, _ := relpReceiver(t)
	cfg := relpConfig(r, "relpmtls")
	cfg.CertFile, cfg.KeyFile = "", ""
	s := newTestSink(t, cfg)
	err := s.Send(t.Context(), taggedBatch("mtls-nocert"))
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("err = %v, want retryable", err)
	}
	t.Logf("Send without client certificate: %v", err)
}

// TestRsyslog_RELP_RestartMidStream is the reason RELP exists: records are
// streamed in batches through the delivery loop in miniature (Send until
// nil) while rsyslog is restarted three times at random moments mid-stream.
// Every record must arrive (duplicates are allowed). The same stream over
// plain TCP is run for comparison and only logged: TCP has no
// acknowledgement, so what sat in rsyslog's socket buffer or queue when it
// stopped is gone although the write succeeded.
func TestRsyslog_RELP_RestartMidStream(t *testing.T) {
	receivers.NeedRELP(t)
	const total, batchSize, restarts = 20000, 200, 3
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, network := range []string{NetworkRELP, NetworkTCP} {
		t.Run(network, func(t *testing.T) {
			if network == NetworkTCP && testing.Short() {
				t.Skip("comparison only")
			}
			res := streamWithRestarts(t, network, total, batchSize, restarts, seed)
			t.Logf("%s: %d records in batches of %d, rsyslog restarted %d times mid-stream: %d lost, %d duplicated, %d failed Send attempts",
				network, total, batchSize, restarts, res.lost, res.dups, res.failed)
			if network == NetworkRELP && res.lost > 0 {
				t.Errorf("relp lost %d of %d records (e.g. %v)", res.lost, total, res.missing[:min(5, len(res.missing))])
			}
		})
	}
}

type streamResult struct {
	lost, dups, failed int
	missing            []string
}

// streamWithRestarts sends total records over network to a fresh rsyslog,
// restarting it restarts times while the stream runs, and counts what
// arrived.
func streamWithRestarts(t *testing.T, network string, total, batchSize, restarts int, seed uint64) streamResult {
	t.Helper()
	r := receivers.StartRsyslog(t)
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.Hostname = network, r.TCPAddr, "exporter-host"
	if network == NetworkRELP {
		cfg.Address = r.RELPAddr
	}
	s := newTestSink(t, cfg)
	nb := total / batchSize
	var all []string
	batches := make([][]exporter.Record, nb)
	for b := range batches {
		batches[b] = restartBatch(fmt.Sprintf("%s-b%03d", network, b), batchSize)
		all = append(all, ids(batches[b])...)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	var delivered, failed atomic.Int64
	// restarting is held while rsyslog restarts: a Send that failed because
	// of a restart waits on it, then retries on the restarted receiver. A
	// failure outside a restart (the dead connection a restart left) is
	// retried at once: the Send after it reconnects.
	var restarting sync.Mutex
	streamErr := make(chan error, 1)
	progress := make(chan struct{}, nb) // one per delivered batch
	go func() {
		for _, batch := range batches {
			for {
				err := s.Send(ctx, batch)
				if err == nil {
					break
				}
				if de := exporter.Classify(err); de.Kind != exporter.KindRetryable || ctx.Err() != nil {
					streamErr <- fmt.Errorf("batch %d: %w", delivered.Load(), err)
					return
				}
				if failed.Add(1) > 100*int64(restarts) {
					streamErr <- fmt.Errorf("batch %d: still failing after %d attempts: %w", delivered.Load(), failed.Load(), err)
					return
				}
				restarting.Lock()
				//lint:ignore SA2001 the empty critical section waits out a restart
				restarting.Unlock()
			}
			delivered.Add(1)
			progress <- struct{}{}
		}
		streamErr <- nil
	}()

	// Restart at random batches between 10% and 90% of the stream, a random
	// few milliseconds after that batch was delivered, so the stop lands
	// while the next batch is on the wire.
	rng := rand.New(rand.NewPCG(seed, uint64(len(network))))
	var at []int
	for len(at) < restarts {
		if b := nb/10 + rng.IntN(nb*8/10); !slices.Contains(at, b) {
			at = append(at, b)
		}
	}
	slices.Sort(at)
	for _, b := range at {
		for delivered.Load() < int64(b) {
			select {
			case err := <-streamErr:
				t.Fatalf("stream ended before restart at batch %d: %v", b, err)
			case <-progress:
			}
		}
		// a random offset, so the stop lands at a different point of the
		// batch on the wire each run (it does not decide an outcome)
		time.Sleep(time.Duration(rng.IntN(5000)) * time.Microsecond)
		func() {
			restarting.Lock()
			defer restarting.Unlock()
			r.Proc.Restart()
		}()
	}
	if err := <-streamErr; err != nil {
		t.Fatalf("stream: %v", err)
	}
	res := streamResult{failed: int(failed.Load())}
	count := received(t, r, s, network, all)
	for _, id := range all {
		switch n := count[id]; {
		case n == 0:
			res.lost++
			res.missing = append(res.missing, id)
		case n > 1:
			res.dups += n - 1
		}
	}
	return res
}

// received returns how often rsyslog wrote each id once the stream is over.
// Over RELP every acknowledged record must arrive, so it waits for all of
// them (what never comes counts as lost when the wait gives up). Over TCP
// some are lost, so it waits for a marker record sent on the stream's
// connection after the stream: once rsyslog wrote it, it has read all that
// came before it, and stopping rsyslog (which drains its queue first) makes
// its output final.
func received(t *testing.T, r *receivers.Rsyslog, s *Sink, network string, want []string) map[string]int {
	t.Helper()
	var count map[string]int
	// Reading back 20000 parsed lines takes a while: poll gently.
	poll := func(done func() bool) bool { return testtools.Poll(2*time.Minute, 300*time.Millisecond, done) }
	if network == NetworkRELP {
		poll(func() bool {
			count = countIDs(t, r)
			for _, id := range want {
				if count[id] == 0 {
					return false
				}
			}
			return true
		})
		return count
	}
	marker := restartBatch(network+"-marker", 1)
	if err := s.Send(t.Context(), marker); err != nil {
		t.Fatalf("send the marker: %v", err)
	}
	if !poll(func() bool { return countIDs(t, r)[marker[0].ID] > 0 }) {
		t.Fatalf("rsyslog never wrote the marker sent after the stream\n%s", r.Proc.Log())
	}
	r.Proc.Stop()
	return countIDs(t, r)
}

// countIDs counts the records rsyslog wrote by id.
func countIDs(t *testing.T, r *receivers.Rsyslog) map[string]int {
	count := map[string]int{}
	for _, m := range r.Messages(t) {
		if id := m.SD["ghsec@32473"]["id"]; id != "" {
			count[id]++
		}
	}
	return count
}
