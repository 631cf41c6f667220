package splunkhec

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// recorder wraps a sink's transport and keeps one line per exchange:
// "<method> <path> <content-encoding> <status> <reply>".
type recorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	lines []string
}

func record(s *Sink) *recorder {
	r := &recorder{next: s.client.Transport}
	s.client.Transport = r
	return r
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	line := fmt.Sprintf("%s %s %s", req.Method, req.URL.Path, req.Header.Get("Content-Encoding"))
	if err != nil {
		line += " error " + err.Error()
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		line += fmt.Sprintf(" %d %s", resp.StatusCode, strings.ReplaceAll(string(body), " ", ""))
	}
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	return resp, err
}

// count counts exchanges whose line contains both substrings.
func (r *recorder) count(a, b string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.lines {
		if strings.Contains(l, a) && strings.Contains(l, b) {
			n++
		}
	}
	return n
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
