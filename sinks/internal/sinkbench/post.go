package sinkbench

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// PostRaw is the bare loop of the HTTP figures, the ceiling: it posts each
// of bodies, prepared by the sink's own code, to url with header, one
// after another over client, and fails the benchmark on a transport
// error or a status other than want. The reply is drained so the
// connection is reused, as the sink's is.
func PostRaw(b testing.TB, client *http.Client, url string, header http.Header, want int, bodies [][]byte) {
	for _, body := range bodies {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("raw post: %s", resp.Status)
		}
	}
}
