package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDelivery measures deliveries per second through a real HTTP
// listener with durable (fsynced) commits, each delivery a new alert (two
// records: created + dismissed), and the p50/p99 time from request to 2xx,
// at 1 and 32 concurrent senders.
func BenchmarkDelivery(b *testing.B) {
	for _, senders := range []int{1, 32} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			r := newRig(b)
			srv := httptest.NewServer(r.h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = []byte(strings.Replace(dependabotBody, `"number":3`, fmt.Sprintf(`"number":%d`, i+1), 1))
			}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < senders; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(bodies[i]))
						req.Header.Set("X-GitHub-Event", "dependabot_alert")
						req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("guid-%d", i))
						req.Header.Set(SignatureHeader, Sign([]byte(testSecret), bodies[i]))
						t0 := time.Now()
						resp, err := client.Do(req)
						lat[i] = time.Since(t0)
						if err != nil || resp.StatusCode != http.StatusOK {
							failed.Add(1)
						}
						if resp != nil {
							resp.Body.Close()
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Fatalf("%d deliveries failed", failed.Load())
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
