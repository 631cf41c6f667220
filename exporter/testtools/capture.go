package testtools

import (
	"fmt"
	"runtime"
	"testing"
)

// Capture runs fn with a testing.TB whose Skip and Fatal end fn instead of
// the calling test, and returns their messages: how a test checks that a
// helper skips or fails (a missing tool, an unknown name). Every other
// method goes to t.
func Capture(t testing.TB, fn func(testing.TB)) (skipped, failed string) {
	f := &capturingTB{TB: t}
	done := make(chan struct{})
	// Goexit, which Skip and Fatal use, must end a goroutine of its own.
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.skipped, f.failed
}

type capturingTB struct {
	testing.TB
	skipped, failed string
}

func (f *capturingTB) Helper() {}

func (f *capturingTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *capturingTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *capturingTB) Fatal(args ...any) {
	f.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *capturingTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
