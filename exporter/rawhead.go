package exporter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds nesting as encoding/json does, so a hostile entry cannot
// exhaust the stack.
const maxDepth = 10000

// DecodeHead reads the head of a stored record in one pass over its bytes.
// It checks that the whole entry is one well-formed JSON object (the
// grammar encoding/json accepts) whose head fields have the types a decode
// into Record requires and whose id is set; fields outside the head are
// checked for syntax only and never built, which is what makes it several
// times cheaper than json.Unmarshal (which scans twice and allocates every
// field). It fails with an error wrapping ErrNotRecord otherwise. Keys
// match exactly, as json.Marshal writes them (encoding/json would also take
// "ID" for "id": an entry written that way is not ours and is refused).
func DecodeHead(raw []byte) (RecordHead, error) {
	s := headScanner{data: raw}
	s.ws()
	if s.peek() != '{' {
		return RecordHead{}, fmt.Errorf("%w: not a JSON object", ErrNotRecord)
	}
	if err := s.object(1, recordFields); err != nil {
		return RecordHead{}, fmt.Errorf("%w: %w", ErrNotRecord, err)
	}
	if s.ws(); s.i != len(s.data) {
		return RecordHead{}, fmt.Errorf("%w: data after the object at byte %d", ErrNotRecord, s.i)
	}
	if s.h.ID == "" {
		return RecordHead{}, fmt.Errorf("%w: no id", ErrNotRecord)
	}
	return s.h, nil
}

type headScanner struct {
	data []byte
	i    int
	h    RecordHead
}

// Which fields an object's members are read into.
const (
	skipFields = iota
	recordFields
	alertFields
)

// object scans the object at s.i ('{'), reading the members that fields
// names into the head.
func (s *headScanner) object(depth, fields int) error {
	if depth > maxDepth {
		return s.syntax("nested too deeply")
	}
	s.i++ // '{'
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.syntax("want a key")
		}
		k0 := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.data[k0:s.i]
		s.ws()
		if s.peek() != ':' {
			return s.syntax("want ':'")
		}
		s.i++
		s.ws()
		var err error
		switch fields {
		case recordFields:
			err = s.recordField(key, depth)
		case alertFields:
			err = s.alertField(key, depth)
		default:
			err = s.value(depth)
		}
		if err != nil {
			return err
		}
		if end, err := s.after('}'); end || err != nil {
			return err
		}
	}
}

// recordField scans the value of the record's member key into the head
// when it is a head field, with the types Record's decode requires (null
// leaves a field unset, as it does there).
func (s *headScanner) recordField(key []byte, depth int) error {
	name, err := keyName(key)
	if err != nil {
		return err
	}
	start, kind := s.i, s.peek()
	if string(name) == "alert" {
		switch kind {
		case '{':
			return s.object(depth+1, alertFields)
		case 'n':
			s.h.Severity = ""
			return s.literal("null")
		}
		return fmt.Errorf("alert: want an object")
	}
	if err := s.value(depth); err != nil {
		return err
	}
	tok := s.data[start:s.i]
	var field string
	switch string(name) {
	case "schema":
		if kind == 'n' {
			return nil
		}
		if s.h.Schema, err = strconv.Atoi(string(tok)); err != nil {
			return fmt.Errorf("schema: want an integer")
		}
	case "time":
		field, err = "time", s.h.Time.UnmarshalJSON(tok)
	case "observed_at":
		field, err = "observed_at", s.h.ObservedAt.UnmarshalJSON(tok)
	case "id":
		field, err = "id", stringField(&s.h.ID, kind, tok)
	case "category":
		field, err = "category", stringField((*string)(&s.h.Category), kind, tok)
	case "source":
		field, err = "source", stringField((*string)(&s.h.Source), kind, tok)
	case "action":
		field, err = "action", stringField(&s.h.Action, kind, tok)
	case "org":
		field, err = "org", stringField(&s.h.Org, kind, tok)
	case "repo":
		field, err = "repo", stringField(&s.h.Repo, kind, tok)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

func (s *headScanner) alertField(key []byte, depth int) error {
	name, err := keyName(key)
	if err != nil {
		return err
	}
	start, kind := s.i, s.peek()
	if err := s.value(depth); err != nil {
		return err
	}
	if string(name) == "severity" {
		if err := stringField(&s.h.Severity, kind, s.data[start:s.i]); err != nil {
			return fmt.Errorf("alert.severity: %w", err)
		}
	}
	return nil
}

// stringField sets *dst from a string token; null leaves it unchanged.
func stringField(dst *string, kind byte, tok []byte) error {
	switch kind {
	case 'n':
		return nil
	case '"':
		v, err := stringValue(tok)
		*dst = v
		return err
	}
	return fmt.Errorf("want a string")
}

// stringValue returns the JSON string token tok as Go text, the way
// encoding/json decodes it (escapes resolved, invalid UTF-8 replaced); only
// the rare token with an escape or non-UTF-8 byte goes through json.
func stringValue(tok []byte) (string, error) {
	body := tok[1 : len(tok)-1]
	plain := utf8.Valid(body)
	for _, c := range body {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(body), nil
	}
	var v string
	err := json.Unmarshal(tok, &v)
	return v, err
}

// keyName returns a key token's text; only a key with an escape or a
// non-ASCII byte is decoded (and copied).
func keyName(tok []byte) ([]byte, error) {
	for _, c := range tok[1 : len(tok)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			v, err := stringValue(tok)
			return []byte(v), err
		}
	}
	return tok[1 : len(tok)-1], nil
}
