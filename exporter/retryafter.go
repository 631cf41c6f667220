package exporter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter bounds what ParseRetryAfter returns: a server asking for
// more (or for a date years ahead) gets a retry after a day, not never.
const MaxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads an HTTP Retry-After value: delay-seconds or an
// HTTP date, relative to now, rounded to the second, at most
// MaxRetryAfter. ok is false when the value is absent or unparseable; a
// date in the past is (0, true).
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0).Round(time.Second), MaxRetryAfter), true
	}
	return 0, false
}
