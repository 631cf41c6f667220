package config

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronParser parses every schedule of the config: five-field cron specs and
// descriptors such as "@every 5m" or "@daily".
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// notShown replaces the value in errors about a value that holds '@': it may
// be user:password@host, and an error is printed and logged.
const notShown = "value not shown: it contains '@', which may be a user:password"

// URLField checks the http(s) URL of config key path and returns it parsed;
// example shows a good value in the error. A URL with a user name or
// password is refused, and an error never echoes a value that may hold one.
func URLField(path, value, example string) (*url.URL, error) {
	if value == "" {
		return nil, Field(path, nil, "missing: an http(s) URL such as %s", example)
	}
	u, err := url.Parse(value)
	if err == nil && u.User != nil {
		return nil, Field(path, nil, "must not contain a user name or password (user:password@host); credentials come from the key's token setting (value not shown)")
	}
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		if strings.Contains(value, "@") {
			return nil, Field(path, nil, "must be an http(s) URL such as %s (%s)", example, notShown)
		}
		return nil, Field(path, value, "must be an http(s) URL such as %s", example)
	}
	return u, nil
}

// hostRe is a DNS name or an IP address (IPv6 without brackets, with an
// optional zone).
var hostRe = regexp.MustCompile(`^[A-Za-z0-9_.:%-]+$`)

// HostField checks a bare host name or IP address of config key path.
func HostField(path, host string) error {
	switch {
	case host == "":
		return Field(path, nil, "missing: a host name or IP address")
	case strings.Contains(host, "@"):
		return Field(path, nil, "must be a host name or IP address, without user or password (%s)", notShown)
	case !hostRe.MatchString(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")):
		return Field(path, host, "must be a host name or IP address")
	}
	return nil
}

// HostPortField checks a host:port address of config key path, with a
// numeric port from 1 to 65535; example shows a good value in the error.
// The host may be empty (all interfaces, for a listen address) only when
// needHost is false.
func HostPortField(path, value, example string, needHost bool) error {
	example = "host:port such as " + example
	if strings.Contains(value, "@") {
		return Field(path, nil, "must be %s, without user or password (%s)", example, notShown)
	}
	host, port, err := net.SplitHostPort(value)
	if err != nil {
		return Field(path, value, "must be %s", example)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Field(path, value, "port must be a number from 1 to 65535")
	}
	if host == "" {
		if needHost {
			return Field(path, value, "must be %s: the host is missing", example)
		}
		return nil
	}
	return HostField(path, host)
}

// ScheduleField checks the cron spec of config key path. Besides what the
// parser refuses, it refuses an "@every" interval that is not a whole
// number of seconds of at least 1s (the scheduler would silently run it
// every second) and a spec that never fires (February 30th).
func ScheduleField(path, spec string) error {
	rest := spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		_, after, ok := strings.Cut(spec, " ")
		if !ok {
			// robfig/cron v3 slices out of range on this and panics
			return Field(path, spec, "not a cron schedule: a TZ= or CRON_TZ= zone must be followed by a space and the schedule")
		}
		rest = strings.TrimSpace(after)
	}
	sched, err := CronParser.Parse(spec)
	if err != nil {
		return Field(path, spec, "not a cron schedule: %v", err)
	}
	if every, ok := strings.CutPrefix(rest, "@every "); ok {
		d, err := time.ParseDuration(every)
		if err != nil || d < time.Second || d%time.Second != 0 {
			return Field(path, spec, "@every needs a positive whole number of seconds, at least 1s")
		}
		return nil
	}
	if sched.Next(time.Now()).IsZero() {
		return Field(path, spec, "never fires")
	}
	return nil
}
