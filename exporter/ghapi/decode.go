package ghapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// Each alert object is decoded in one pass into its source's go-github type
// (which sets the strictness: a member of the wrong type refuses the item)
// beside the members v62 does not model. Those are kept as raw bytes and
// read afterwards (extraMembers.apply), so a malformed one is dropped
// instead of refusing an alert the typed decode accepted.
type (
	dependabotObject struct {
		github.DependabotAlert
		extraMembers
		Secret secretMember `json:"secret"`
	}
	codeScanningObject struct {
		github.Alert
		extraMembers
		Secret secretMember `json:"secret"`
	}
	secretScanningObject struct {
		github.SecretScanningAlert
		extraMembers
		// Secret shadows the typed struct's member (it is shallower): the
		// value is checked for its type and never copied anywhere.
		Secret secretMember `json:"secret"`
	}
)

// secretMember notes that an object has a "secret" member. In a secret
// scanning alert it must be a string or null, as v62's *string requires.
type secretMember struct {
	present, typed bool
}

// errSecretType keeps the typed decode's refusal of a secret that is not a
// string, without echoing the value.
var errSecretType = errors.New("json: cannot unmarshal non-string into Go struct field SecretScanningAlert.secret of type string")

func (s *secretMember) UnmarshalJSON(b []byte) error {
	s.present = true
	if s.typed && b[0] != '"' && b[0] != 'n' {
		return errSecretType
	}
	return nil
}

// decodeObject decodes one alert object with unmarshal (json.Unmarshal of
// its bytes, or a page decoder positioned on it) and converts it; the
// checks every source shares are finishAlert's.
func decodeObject(src exporter.Source, unmarshal func(any) error) (o exporter.Observation, ext extraMembers, secret bool, err error) {
	switch src {
	case exporter.SourceDependabot:
		var a dependabotObject
		if err = unmarshal(&a); err == nil {
			o, ext, secret = fromDependabot(&a.DependabotAlert), a.extraMembers, a.Secret.present
		}
	case exporter.SourceCodeScanning:
		var a codeScanningObject
		if err = unmarshal(&a); err == nil {
			o, ext, secret = fromCodeScanning(&a.Alert), a.extraMembers, a.Secret.present
		}
	case exporter.SourceSecretScanning:
		a := secretScanningObject{Secret: secretMember{typed: true}}
		if err = unmarshal(&a); err == nil {
			o, ext, secret = fromSecretScanning(&a.SecretScanningAlert), a.extraMembers, a.Secret.present
		}
	default:
		return o, ext, false, fmt.Errorf("unknown alert source %q", src)
	}
	if err != nil {
		return o, ext, false, fmt.Errorf("decode %s alert: %w", src, err)
	}
	return o, ext, secret, nil
}

// pageItem is one element of a list page: its bytes, and the observation
// or the reason it was refused.
type pageItem struct {
	raw []byte
	o   exporter.Observation
	err error
}

// decodePage parses one list page, a JSON array of alert objects, in one
// pass, into its elements in order. A page that is not an array (or not
// JSON) fails whole; an element that does not decode or convert carries its
// error, and the rest of the page proceeds. An empty body or null is an
// empty page. Only an element's raw aliases body.
func decodePage(body []byte, src exporter.Source, scope Scope, includeRaw bool) ([]pageItem, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decode page: %w", err)
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("decode page: %s is not a JSON array of alerts", describeToken(tok))
	}
	// a syntax error anywhere fails the page before any item is delivered
	// or refused
	var items []pageItem
	for dec.More() {
		start := dec.InputOffset()
		o, ext, secret, err := decodeObject(src, dec.Decode)
		raw := bytes.TrimLeft(body[start:dec.InputOffset()], ", \t\r\n")
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("decode page: %w", err)
		}
		if err == nil {
			o, err = finishAlert(o, ext, secret, raw, scope, includeRaw, "")
		}
		items = append(items, pageItem{raw: raw, o: o, err: err})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("decode page: %w", err)
	}
	return items, nil
}

// decodeSingle decodes a body holding one alert object, as GetAlert reads
// it. Bytes that are not JSON fail like an HTTP error would; an object that
// does not decode or convert is returned with its error in the item.
func decodeSingle(body []byte, src exporter.Source, scope Scope, includeRaw bool) (pageItem, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	o, ext, secret, err := decodeObject(src, dec.Decode)
	it := pageItem{raw: body[:dec.InputOffset()], o: o, err: err}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return it, err
	}
	if err == nil {
		it.o, it.err = finishAlert(o, ext, secret, it.raw, scope, includeRaw, "")
	}
	return it, nil
}

func describeToken(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}
