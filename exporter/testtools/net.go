package testtools

import (
	"net"
	"testing"
)

// ClosedAddr returns a loopback address ("127.0.0.1:port") that nothing
// listens on now: a port the system handed out and that was closed again,
// for tests of what happens when a server is down or a listen fails.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
