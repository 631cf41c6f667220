package receivers

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// every Linux the tests run on).
const clockTick = 10 * time.Millisecond

// CPU returns the CPU time (user + system, all threads) the receiver
// process has used so far, from /proc, in 10 ms steps. Benchmarks take it
// before and after a run to say what the receiver spent per message.
func (p *Proc) CPU() (time.Duration, error) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return 0, fmt.Errorf("%s is not running", p.name)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read %s's cpu time: %w", p.name, err)
	}
	// the fields after the command name, which is in parentheses and may
	// contain spaces: state is field 3, utime 14 and stime 15
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%s's /proc stat: no command name", p.name)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%s's /proc stat: %d fields", p.name, len(f))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%s's /proc stat: utime %q stime %q", p.name, f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}
