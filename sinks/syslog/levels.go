package syslog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// facilities are the RFC 5424 facility codes by their conventional names.
var facilities = map[string]uint8{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5,
	"lpr": 6, "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
	"ntp": 12, "security": 13, "console": 14, "solaris-cron": 15,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// severities are the RFC 5424 severity codes by their conventional names
// (the names rsyslog and syslog-ng print), with common aliases.
var severities = map[string]uint8{
	"emerg": 0, "emergency": 0, "alert": 1, "crit": 2, "critical": 2,
	"err": 3, "error": 3, "warning": 4, "warn": 4, "notice": 5,
	"info": 6, "informational": 6, "debug": 7,
}

// parseFacility accepts a facility name or its number 0–23.
func parseFacility(s string) (uint8, error) {
	if v, ok := facilities[strings.ToLower(s)]; ok {
		return v, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 23 {
		return uint8(n), nil
	}
	return 0, fmt.Errorf("must be a facility name (user, auth, local0 … local7, …) or a number 0–23")
}

// parseSeverity accepts a severity name or its number 0–7.
func parseSeverity(s string) (uint8, error) {
	if v, ok := severities[strings.ToLower(s)]; ok {
		return v, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return uint8(n), nil
	}
	return 0, fmt.Errorf("must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0–7")
}

// SeverityMap says which syslog severity a record gets. Keys are the
// normalized alert severities, plus `audit` for audit-log records and
// `unknown` for alerts without a (known) severity, e.g. secret scanning.
// Values are severity names or numbers 0–7.
type SeverityMap struct {
	Critical string `yaml:"critical"`
	High     string `yaml:"high"`
	Medium   string `yaml:"medium"`
	Low      string `yaml:"low"`
	None     string `yaml:"none"`
	Unknown  string `yaml:"unknown"`
	Audit    string `yaml:"audit"`
}

// DefaultSeverityMap: critical → crit(2), high → err(3), medium →
// warning(4), low → notice(5), none → info(6); audit → notice(5); an alert
// of unknown severity → warning(4), so it is not buried below real findings.
func DefaultSeverityMap() SeverityMap {
	return SeverityMap{
		Critical: "crit", High: "err", Medium: "warning", Low: "notice",
		None: "info", Unknown: "warning", Audit: "notice",
	}
}

// severityCodes is a SeverityMap resolved to codes.
type severityCodes struct {
	critical, high, medium, low, none, unknown, audit uint8
}

// resolve parses every entry; errors name the key under `severity`.
func (m SeverityMap) resolve() (severityCodes, error) {
	var c severityCodes
	for _, e := range []struct {
		key string
		val string
		dst *uint8
	}{
		{"critical", m.Critical, &c.critical}, {"high", m.High, &c.high},
		{"medium", m.Medium, &c.medium}, {"low", m.Low, &c.low},
		{"none", m.None, &c.none}, {"unknown", m.Unknown, &c.unknown},
		{"audit", m.Audit, &c.audit},
	} {
		v, err := parseSeverity(e.val)
		if err != nil {
			return c, &keyError{key: e.key, val: e.val, err: err}
		}
		*e.dst = v
	}
	return c, nil
}

type keyError struct {
	key, val string
	err      error
}

func (e *keyError) Error() string { return e.key + ": " + e.err.Error() }

// of returns the severity code of rec.
func (c severityCodes) of(rec *exporter.Record) uint8 {
	if rec.Category == exporter.CategoryAudit {
		return c.audit
	}
	if rec.Alert == nil {
		return c.unknown
	}
	switch rec.Alert.Severity {
	case exporter.SeverityCritical:
		return c.critical
	case exporter.SeverityHigh:
		return c.high
	case exporter.SeverityMedium:
		return c.medium
	case exporter.SeverityLow:
		return c.low
	case exporter.SeverityNone:
		return c.none
	}
	return c.unknown
}

// cefSeverity maps a record to CEF's 0–10 scale (10 most severe).
func cefSeverity(rec *exporter.Record) int {
	if rec.Category == exporter.CategoryAudit {
		return 3
	}
	if rec.Alert == nil {
		return 5
	}
	switch rec.Alert.Severity {
	case exporter.SeverityCritical:
		return 10
	case exporter.SeverityHigh:
		return 8
	case exporter.SeverityMedium:
		return 5
	case exporter.SeverityLow:
		return 3
	case exporter.SeverityNone:
		return 1
	}
	return 5
}
