package config

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// notShown replaces the value in errors about a value that holds '@': it may
// be user:password@host, and an error is printed and logged.
const notShown = "value not shown: it contains '@', which may be a user:password"

// URLField checks the http(s) URL of config key path and returns it parsed;
// example shows a good value in the error. A URL with a user name or
// password is refused, and an error never echoes a value that may hold one.
func URLField(path, value, example string) (*url.URL, error) {
	if value == "" {
		return nil, Required(path, "an http(s) URL such as %s", example)
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
		return Required(path, "a host name or IP address")
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
	return hostPort(path, value, example, needHost, 1)
}

// ListenAnyPortField checks a listen address like HostPortField, and also
// takes port 0 (any free port), for a listener whose bound address is read
// back rather than configured elsewhere (the demo's and tests' webhook).
func ListenAnyPortField(path, value, example string) error {
	return hostPort(path, value, example, false, 0)
}

func hostPort(path, value, example string, needHost bool, minPort int) error {
	example = "host:port such as " + example
	if strings.Contains(value, "@") {
		return Field(path, nil, "must be %s, without user or password (%s)", example, notShown)
	}
	host, port, err := net.SplitHostPort(value)
	if err != nil {
		return Field(path, value, "must be %s", example)
	}
	if n, err := strconv.Atoi(port); err != nil || n < minPort || n > 65535 {
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
