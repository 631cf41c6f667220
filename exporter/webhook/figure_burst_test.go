package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/internal/openapicheck"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// bigDelivery is Octokit's dependabot_alert "created" example with its
// advisory description padded to about size bytes, as a stream: the
// benchmark never holds a body, so the heap it reports is the receiver's.
type bigDelivery struct {
	head, tail []byte // around the padding; head ends inside the description
	pad        int
}

func newBigDelivery(tb testing.TB, size int) bigDelivery {
	tb.Helper()
	for _, ex := range openapicheck.WebhookExamples(tb, "dependabot_alert") {
		var p struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(ex, &p) != nil || p.Action != "created" {
			continue
		}
		const at = `"description":"`
		i := bytes.Index(ex, []byte(at))
		if i < 0 {
			tb.Fatal("the dependabot_alert example has no advisory description")
		}
		i += len(at)
		return bigDelivery{head: ex[:i], tail: ex[i:], pad: max(0, size-len(ex))}
	}
	tb.Fatal("no dependabot_alert created example")
	return bigDelivery{}
}

// body streams delivery n: the example with alert number n.
func (d bigDelivery) body(n int) (io.Reader, int64) {
	head := bytes.Replace(d.head, []byte(`"number":20,`), fmt.Appendf(nil, `"number":%d,`, n), 1)
	r := io.MultiReader(bytes.NewReader(head), io.LimitReader(padding{}, int64(d.pad)), bytes.NewReader(d.tail))
	return r, int64(len(head) + d.pad + len(d.tail))
}

func (d bigDelivery) sign(n int) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	r, _ := d.body(n)
	_, _ = io.Copy(mac, r)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// padding is an endless run of a letter, valid inside a JSON string.
type padding struct{}

func (padding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// BenchmarkFigureWebhookBurst: a burst of 32 concurrent 4 MB deliveries
// (1 MB unless GHSEC_BENCH_ALERTS is set; each a new alert) through a real listener into a real state file.
// peak-heap-MiB is the Go heap while the burst is received, goal ≤ 64:
// the bodies in flight are bounded by the handler's budget. A delivery
// refused for room (503, as GitHub would see it) is sent again, as the
// redelivery job would ask for it, until every alert is stored.
func BenchmarkFigureWebhookBurst(b *testing.B) {
	const senders = 32
	size := 4 << 20
	if testtools.BenchSize(0) == 0 {
		size = 1 << 20 // CI's run at tiny sizes: a quarter of the burst
	}
	d := newBigDelivery(b, size)
	next := 0
	for b.Loop() {
		r := newRig(b)
		r.h.opts.InScope = func(string, string) bool { return true }
		srv := httptest.NewServer(r.h)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
		var refused, failed atomic.Int64
		var wg sync.WaitGroup
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		stop := testtools.PeakHeap()
		for w := range senders {
			n := next + w + 1
			wg.Add(1)
			go func() {
				defer wg.Done()
				sig := d.sign(n)
				for range 20 {
					body, size := d.body(n)
					req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
					req.ContentLength = size
					req.Header.Set("X-GitHub-Event", "dependabot_alert")
					req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("burst-%d", n))
					req.Header.Set(SignatureHeader, sig)
					resp, err := client.Do(req)
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							return
						}
						if resp.StatusCode == http.StatusServiceUnavailable {
							refused.Add(1)
							continue
						}
					}
					failed.Add(1)
					return
				}
				failed.Add(1)
			}()
		}
		wg.Wait()
		peak := stop()
		srv.Close()
		next += senders
		if failed.Load() > 0 {
			b.Fatalf("%d deliveries failed", failed.Load())
		}
		if got := len(r.records()); got != senders {
			b.Fatalf("%d records stored, want %d", got, senders)
		}
		if !strings.Contains(r.logs.String(), "webhook delivery") {
			b.Fatal("no delivery logged")
		}
		b.ReportMetric(peak, "peak-heap-MiB")
		b.ReportMetric(float64(refused.Load()), "refused")
		// before the burst: the rig, the examples, the runtime
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "base-heap-MiB")
		b.ReportMetric(float64(senders*size)/(1<<20), "burst-MiB")
	}
}
