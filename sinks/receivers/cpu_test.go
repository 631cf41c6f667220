package receivers

import (
	"testing"
	"time"
)

func TestProcCPU(t *testing.T) {
	// busy until it has used CPU, then idle until stopped
	p := Start(t, "busy", t.TempDir(), nil, nil, "/bin/sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exec sleep 600")
	var used time.Duration
	if !Poll(time.Minute, func() bool {
		var err error
		if used, err = p.CPU(); err != nil {
			t.Fatal(err)
		}
		return used > 0
	}) {
		t.Fatalf("a busy shell used %s of CPU", used)
	}
	p.Stop()
	if _, err := p.CPU(); err == nil {
		t.Error("CPU of a stopped process: no error")
	}
}
