package webhook

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// listening serves h on a real listener (the server's timeouts, its
// connections) until the test ends; the returned func is its URL.
func listening(t *testing.T, h *Handler) string {
	t.Helper()
	srv, err := Listen("127.0.0.1:0", "/github/webhook", h, nil, nil)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	return srv.Addr()
}

// attacker opens a connection and sends head and first, then holds it.
func attacker(t *testing.T, addr, head, first string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	must(t, err)
	t.Cleanup(func() { c.Close() }) // before the listener's stop: cleanups run last first
	_, err = io.WriteString(c, "POST /github/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: dependabot_alert\r\n"+head+"\r\n"+first)
	must(t, err)
	return c
}

func postSigned(t *testing.T, addr, guid string, d bigDelivery, n int) int {
	t.Helper()
	body, size := d.body(n)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/github/webhook", body)
	must(t, err)
	req.ContentLength = size
	req.Header.Set("X-GitHub-Event", "dependabot_alert")
	req.Header.Set("X-GitHub-Delivery", guid)
	req.Header.Set(SignatureHeader, d.sign(n))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Unsigned senders that never finish their bodies — chunked at one byte,
// a Content-Length of 25,000,000 with one byte sent, and 40 declaring
// 1,000 bytes — took the body budget and every one of the 32 slots before
// any signature was checked: a signed 9 KB delivery then waited 5 s for a
// 503, or until the 30 s read timeout freed a slot (GitHub gives up at
// 10 s). Signed deliveries, small and large, must be answered 2xx while
// all of them are still connected. The senders are never cut off here (an
// hour's grace), so what is shown is that they hold nothing signed
// deliveries need, not that the pace rule rescued them.
func TestServer_SlowUnsignedSendersDoNotShutOutSignedDeliveries(t *testing.T) {
	r := newRig(t)
	h, err := New(Options{Secret: []byte(testSecret), Commit: r.commit, InScope: func(string, string) bool { return true },
		Logger: r.h.log, bodyGrace: time.Hour})
	must(t, err)
	addr := listening(t, h)
	attacker(t, addr, "Transfer-Encoding: chunked\r\n", "1\r\n{\r\n")
	attacker(t, addr, "Content-Length: 25000000\r\n", "{")
	const lying = 40
	for range lying {
		attacker(t, addr, "Content-Length: 1000\r\n", "")
	}
	const attackers = 2 + lying
	testtools.WaitFor(t, "every attacker's request in the handler", func() bool { return h.Stats().Received == attackers })

	if code := postSigned(t, addr, "g-9k", newBigDelivery(t, 9<<10), 101); code != http.StatusOK {
		t.Fatalf("signed 9 KB delivery among slow senders: %d, want 200; stats %+v", code, h.Stats())
	}
	if code := postSigned(t, addr, "g-200k", newBigDelivery(t, 200<<10), 102); code != http.StatusOK {
		t.Fatalf("signed 200 KB delivery among slow senders: %d, want 200; stats %+v", code, h.Stats())
	}
	st := h.Stats()
	if st.Accepted != 2 || st.Records == 0 || st.Received != attackers+2 {
		t.Fatalf("stats %+v: want both signed deliveries stored", st)
	}
	if st.Failed != 0 || st.Busy != 0 || st.Unauthorized != 0 || st.TooLarge != 0 {
		t.Fatalf("stats %+v: an attacker was answered, so the signed ones may have waited for it", st)
	}
}

// The pace rule: a body that stalls past the grace is cut off with 408
// and counted as failed, and a large one gives back the budget it reserved
// once its first smallBody bytes came.
func TestServer_StalledBodyIsCutOffAfterTheGrace(t *testing.T) {
	r := newRig(t)
	h, err := New(Options{Secret: []byte(testSecret), Commit: r.commit, InScope: r.h.opts.InScope, Logger: r.h.log,
		bodyGrace: 50 * time.Millisecond})
	must(t, err)
	addr := listening(t, h)
	for _, a := range []struct{ name, head, first string }{
		{"lying length", "Content-Length: 1000\r\n", "{"},
		{"large, stalled after its prefix", "Content-Length: 1000000\r\n", "{\"padding\":\"" + strings.Repeat("a", smallBody)},
		{"chunked, stalled", "Transfer-Encoding: chunked\r\n", "1\r\n{\r\n"},
	} {
		c := attacker(t, addr, a.head, a.first)
		must(t, c.SetReadDeadline(time.Now().Add(30*time.Second))) // a hang guard
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: no answer: %v", a.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("%s: %s, want 408", a.name, resp.Status)
		}
	}
	if st := h.Stats(); st.Failed != 3 || st.Accepted != 0 {
		t.Fatalf("stats %+v", st)
	}
	if !h.budget.sem.TryAcquire(h.budget.size) {
		t.Fatal("the stalled large body's reservation was not given back")
	}
	h.budget.release(h.budget.size)
}
