package config

import (
	"strings"
	"testing"
	"time"
)

func TestRequestPeriod(t *testing.T) {
	for w, want := range map[time.Duration]string{
		time.Minute: "hour", time.Hour: "hour", 2 * time.Hour: "day", 24 * time.Hour: "day",
		25 * time.Hour: "week", 7 * 24 * time.Hour: "week", 8 * 24 * time.Hour: "month", MaxRequestWindow: "month",
	} {
		if got := RequestPeriod(w); got != want {
			t.Errorf("RequestPeriod(%s) = %s, want %s", w, got, want)
		}
	}
}

// The request window must cover two runs of its schedule and at most a
// month; the defaults pass.
func TestValidate_RequestWindow(t *testing.T) {
	d := Default()
	if err := requestWindowField(d.Schedules.Requests, d.GitHub.RequestWindow.D()); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	for _, c := range []struct {
		spec   string
		window time.Duration
		ok     bool
	}{
		{"@every 10m", 20 * time.Minute, true},
		{"@every 10m", 19 * time.Minute, false},
		{"@daily", 48 * time.Hour, true},
		{"@daily", 24 * time.Hour, false},
		{"@every 10m", 721 * time.Hour, false},
		{"@every 10m", 0, false},
	} {
		err := requestWindowField(c.spec, c.window)
		if (err == nil) != c.ok {
			t.Errorf("%s with window %s: %v", c.spec, c.window, err)
		}
		if err != nil && !strings.Contains(err.Error(), "github.request_window") {
			t.Errorf("error does not name the field: %v", err)
		}
	}
}
