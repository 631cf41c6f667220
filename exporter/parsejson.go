package exporter

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// ParseJSON decodes a snapshot in the form AppendJSON (and encoding/json)
// writes it, without reflection: every diff against a tracked alert reads
// one. It reports false, leaving s zero, for anything else (an escaped
// string, an unknown member, other spacing), which the caller hands to
// encoding/json instead, so the result is always encoding/json's.
func (s *Snapshot) ParseJSON(b []byte) bool {
	p := snapParser{b: b}
	if !p.snapshot(s) {
		*s = Snapshot{}
		return false
	}
	return true
}

type snapParser struct {
	b []byte
	i int
}

func (p *snapParser) snapshot(s *Snapshot) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return p.i == len(p.b)
	}
	for {
		// members are one letter, as Snapshot's tags are
		if p.i+4 > len(p.b) || p.b[p.i] != '"' || p.b[p.i+2] != '"' || p.b[p.i+3] != ':' {
			return false
		}
		key := p.b[p.i+1]
		p.i += 4
		ok := false
		switch key {
		case 's':
			s.State, ok = p.str()
		case 'v':
			s.Severity, ok = p.str()
		case 'r':
			s.SeverityRaw, ok = p.str()
		case 't':
			s.Title, ok = p.str()
		case 'h':
			s.HTMLURL, ok = p.str()
		case 'y':
			s.Validity, ok = p.str()
		case 'b':
			s.Bypassed, ok = p.boolean()
		case 'p':
			s.PubliclyLeaked, ok = p.boolean()
		case 'u':
			s.UpdatedAt, ok = p.time()
		case 'c':
			s.ClosedAt, ok = p.time()
		case 'k':
			s.Tracks, ok = p.int()
		case 'a':
			s.Assignees, ok = p.strings()
		}
		if !ok {
			return false
		}
		if p.byte('}') {
			return p.i == len(p.b)
		}
		if !p.byte(',') {
			return false
		}
	}
}

func (p *snapParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes whose bytes are valid UTF-8 and hold
// no control character: anything else is encoding/json's to decode.
func (p *snapParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	end := bytes.IndexByte(p.b[p.i:], '"')
	if end < 0 {
		return "", false
	}
	raw := p.b[p.i : p.i+end]
	for _, c := range raw {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(raw) {
		return "", false
	}
	p.i += end + 1
	return string(raw), true
}

func (p *snapParser) boolean() (bool, bool) {
	switch {
	case bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return true, true
	case bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return false, true
	}
	return false, false
}

func (p *snapParser) int() (int, bool) {
	j := p.i
	for j < len(p.b) && (p.b[j] == '-' || p.b[j] >= '0' && p.b[j] <= '9') {
		j++
	}
	n, err := strconv.Atoi(string(p.b[p.i:j]))
	if err != nil || (j-p.i > 1 && (p.b[p.i] == '0' || p.b[p.i] == '-' && p.b[p.i+1] == '0')) {
		return 0, false // a leading zero is not JSON
	}
	p.i = j
	return n, true
}

func (p *snapParser) time() (time.Time, bool) {
	s, ok := p.str()
	if !ok {
		return time.Time{}, false
	}
	// what Time.UnmarshalJSON accepts (strict RFC 3339); a value it would
	// refuse fails here too and encoding/json reports it
	var t time.Time
	if t.UnmarshalText([]byte(s)) != nil {
		return time.Time{}, false
	}
	return t, true
}

func (p *snapParser) strings() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	out := []string{}
	if p.byte(']') {
		return out, true
	}
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if p.byte(']') {
			return out, true
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}
