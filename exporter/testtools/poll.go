package testtools

import "time"

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
