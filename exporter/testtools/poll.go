package testtools

import (
	"testing"
	"time"
)

// Poll calls done every interval until it reports true or timeout passes,
// and reports whether it did. It is for waiting on other processes (a test
// receiver writing files, a container's systemd) that offer no event to
// wait on; timeout only bounds a test that would otherwise hang, and no
// test asserts on how long a wait took.
func Poll(timeout, interval time.Duration, done func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
	return true
}

// WaitFor polls cond, an observable event of the system under test, and
// fails t naming what when it does not happen within 20 seconds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Poll(20*time.Second, 5*time.Millisecond, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
