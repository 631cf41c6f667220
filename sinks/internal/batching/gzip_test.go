package batching

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
)

// Gzip (and Body with compression on) writes what compress/gzip reads back, in a new slice each call (a
// pooled writer must not leave one body's bytes in the next), and returns
// write's error as it is.
func TestGzip(t *testing.T) {
	parts := [][]byte{[]byte(`{"a":1}`), bytes.Repeat([]byte(`{"b":2}`), 1000)}
	write := func(w io.Writer) error {
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	first, err := Gzip(7007, write)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Gzip(7007, write)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{first, second} {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if want := bytes.Join(parts, nil); !bytes.Equal(got, want) {
			t.Fatalf("gunzipped %d bytes, want %d", len(got), len(want))
		}
	}
	boom := errors.New("boom")
	if _, err := Gzip(1, func(io.Writer) error { return boom }); err != boom {
		t.Fatalf("Gzip = %v, want write's error", err)
	}
	// Body without compression is what write wrote, as it is
	plain, err := Body(7007, false, write)
	if want := bytes.Join(parts, nil); err != nil || !bytes.Equal(plain, want) {
		t.Fatalf("Body(compress off) = %d bytes, %v; want %d bytes", len(plain), err, len(want))
	}
	if _, err := Body(1, false, func(io.Writer) error { return boom }); err != boom {
		t.Fatalf("Body = %v, want write's error", err)
	}
	if gz, err := Body(7007, true, write); err != nil || !bytes.HasPrefix(gz, []byte{0x1f, 0x8b}) {
		t.Fatalf("Body(compress on) = %.4x, %v; want a gzip stream", gz, err)
	}
}
