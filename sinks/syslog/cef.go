package syslog

import (
	"strconv"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// CEF header constants: Device Vendor and Device Product.
const (
	cefVendor  = "GitHub"
	cefProduct = "ghsec-exporter"
)

// appendCEF appends rec as an ArcSight CEF:0 event:
//
//	CEF:0|GitHub|ghsec-exporter|<version>|<source>.<action>|<name>|<0–10>|<extensions>
//
// The extension keys are fixed and documented in docs/syslog.md; empty
// values are left out.
func appendCEF(b []byte, rec *exporter.Record, version string) []byte {
	b = append(b, "CEF:0|"...)
	b = appendCEFHeader(b, cefVendor)
	b = append(b, '|')
	b = appendCEFHeader(b, cefProduct)
	b = append(b, '|')
	b = appendCEFHeader(b, version)
	b = append(b, '|')
	b = appendCEFHeader(b, string(rec.Source))
	b = append(b, '.')
	b = appendCEFHeader(b, rec.Action)
	b = append(b, '|')
	b = appendCEFHeader(b, cefName(rec))
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(cefSeverity(rec)), 10)
	b = append(b, '|')

	e := cefExt{b: b}
	e.addInt("rt", eventTime(rec).UnixMilli())
	e.add("externalId", rec.ID)
	e.add("cat", string(rec.Category))
	e.add("act", rec.Action)
	e.add("suser", rec.Actor)
	e.labeled("cs1", "repo", rec.Repo)
	e.labeled("cs2", "source", string(rec.Source))
	if rec.Org != "" {
		e.labeled("cs3", "org", rec.Org)
	} else {
		e.labeled("cs3", "enterprise", rec.Enterprise)
	}
	if a := rec.Alert; a != nil {
		e.labeled("cs4", "state", a.State)
		switch {
		case a.RuleID != "":
			e.labeled("cs5", "ruleId", a.RuleID)
		case a.GHSAID != "":
			e.labeled("cs5", "ghsaId", a.GHSAID)
		case a.SecretType != "":
			e.labeled("cs5", "secretType", a.SecretType)
		}
		e.labeled("cs6", "cveId", a.CVEID)
		e.add("cn1Label", "alertNumber")
		e.addInt("cn1", int64(a.Number))
		e.add("request", a.HTMLURL)
		e.add("reason", a.Reason)
		e.add("filePath", a.Manifest)
		e.add("msg", a.Comment)
	}
	if a := rec.Audit; a != nil {
		e.labeled("cs5", "documentId", a.DocumentID)
	}
	return e.b
}

// cefName is the CEF Name: the alert's title, else the audit action, else
// "<source> <action>".
func cefName(rec *exporter.Record) string {
	if rec.Alert != nil && rec.Alert.Title != "" {
		return rec.Alert.Title
	}
	if rec.Audit != nil && rec.Audit.Action != "" {
		return rec.Audit.Action
	}
	return string(rec.Source) + " " + rec.Action
}

// cefExt appends space-separated key=value extensions.
type cefExt struct {
	b       []byte
	started bool
}

func (e *cefExt) add(key, val string) {
	if val == "" {
		return
	}
	e.key(key)
	e.b = appendCEFValue(e.b, val)
}

// addInt adds a number, which needs no escaping.
func (e *cefExt) addInt(key string, v int64) {
	e.key(key)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *cefExt) key(key string) {
	if e.started {
		e.b = append(e.b, ' ')
	}
	e.started = true
	e.b = append(e.b, key...)
	e.b = append(e.b, '=')
}

// labeled adds a custom field (cs1…cs6, cn1…) and its label.
func (e *cefExt) labeled(key, label, val string) {
	if val == "" {
		return
	}
	e.add(key+"Label", label)
	e.add(key, val)
}
