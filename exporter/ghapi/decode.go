package ghapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	gojson "github.com/goccy/go-json"
	"github.com/google/go-github/v62/github"
)

// unmarshalAlert decodes alert objects with go-json, not encoding/json: it
// takes at least 40% less CPU on GitHub's pages, and decoding them was most
// of a backfill's CPU. It decodes as encoding/json does (the same values and
// refusals: invalid UTF-8 becomes U+FFFD, duplicate names merge, a number
// that does not fit is refused, names match case-insensitively), which the
// tests check against encoding/json on every example and fuzz input
// (FuzzDecodeOnce, FuzzDecodePage). An object of largeObject bytes or more
// is decoded with encoding/json all the same.
func unmarshalAlert(b []byte, v any) error {
	if len(b) >= largeObject {
		return json.Unmarshal(b, v)
	}
	return gojson.Unmarshal(b, v)
}

// largeObject is the size from which an alert object is decoded with
// encoding/json: go-json copies its whole input and grows each escaped
// string by doubling, about three times the object in garbage, and for the
// rare multi-megabyte webhook delivery that garbage is what the heap peaks
// on. encoding/json makes neither copy; GitHub's list pages hold objects of
// a few KB and keep go-json's speed.
const largeObject = 1 << 20

// Each alert object is decoded in one pass into its source's go-github type
// (which sets the strictness: a member of the wrong type refuses the item)
// beside the members v62 does not model. Those are kept as raw bytes and
// read afterwards (extraMembers.apply), so a malformed one is dropped
// instead of refusing an alert the typed decode accepted.
type (
	dependabotObject struct {
		github.DependabotAlert
		extraMembers
		Secret     secretMember `json:"secret"`
		Repository repoMember   `json:"repository"`

		SecurityAdvisory *dependabotAdvisory `json:"security_advisory"`
	}
	codeScanningObject struct {
		github.Alert
		extraMembers
		Secret     secretMember `json:"secret"`
		Repository repoMember   `json:"repository"`
	}
	secretScanningObject struct {
		github.SecretScanningAlert
		extraMembers
		// Secret shadows the typed struct's member (it is shallower): the
		// value is checked for its type and never copied anywhere.
		Secret     secretMember `json:"secret"`
		Repository repoMember   `json:"repository"`
	}
)

// repoMember decodes an alert's "repository" into v62's Repository, as the
// typed struct would (the same refusals), but once per distinct value in a
// listing: an org list repeats each repository's ~3 KB object in every
// alert of it, and decoding it was most of a page's decode. Identical bytes
// decode identically, so a cached result is the decode's own.
type repoMember struct {
	cache *repoCache // nil: no cache (a single object)
	name  string     // owner/name, as repoName reads it
}

// repoCache maps a repository member's bytes to its decode. It is cleared
// when full, which bounds it to repoCacheSize values.
type repoCache struct {
	m map[string]repoResult
	// unmarshal decodes a value it has not seen: unmarshalAlert, or
	// encoding/json's in the tests that compare the two
	unmarshal func([]byte, any) error
}

type repoResult struct {
	name string
	err  error
}

const repoCacheSize = 1024

func newRepoCache() *repoCache {
	return &repoCache{m: map[string]repoResult{}, unmarshal: unmarshalAlert}
}

func (r *repoMember) UnmarshalJSON(b []byte) error {
	if r.cache != nil {
		if res, ok := r.cache.m[string(b)]; ok {
			r.name = res.name
			return res.err
		}
	}
	unmarshal := unmarshalAlert
	if r.cache != nil {
		unmarshal = r.cache.unmarshal
	}
	var repo *github.Repository
	err := unmarshal(b, &repo)
	if err != nil {
		err = fmt.Errorf("repository: %w", err)
	}
	r.name = repoName(repo)
	if r.cache != nil {
		if len(r.cache.m) >= repoCacheSize {
			clear(r.cache.m)
		}
		r.cache.m[string(b)] = repoResult{r.name, err}
	}
	return err
}

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

// decodeObject decodes one alert object with unmarshal (unmarshalAlert of
// its bytes, or a page decoder positioned on it) and converts it; the
// checks every source shares are finishAlert's.
func decodeObject(src exporter.Source, unmarshal func(any) error, repos *repoCache) (o exporter.Observation, ext extraMembers, secret bool, err error) {
	var repo *repoMember
	switch src {
	case exporter.SourceDependabot:
		a := dependabotObject{Repository: repoMember{cache: repos}}
		if err = unmarshal(&a); err == nil {
			if adv := a.SecurityAdvisory; adv != nil {
				a.epss = adv.EPSS
			}
			o, ext, secret, repo = fromDependabotObject(&a), a.extraMembers, a.Secret.present, &a.Repository
		}
	case exporter.SourceCodeScanning:
		a := codeScanningObject{Repository: repoMember{cache: repos}}
		if err = unmarshal(&a); err == nil {
			o, ext, secret, repo = fromCodeScanning(&a.Alert), a.extraMembers, a.Secret.present, &a.Repository
		}
	case exporter.SourceSecretScanning:
		a := secretScanningObject{Secret: secretMember{typed: true}, Repository: repoMember{cache: repos}}
		if err = unmarshal(&a); err == nil {
			o, ext, secret, repo = fromSecretScanning(&a.SecretScanningAlert), a.extraMembers, a.Secret.present, &a.Repository
		}
	default:
		return o, ext, false, fmt.Errorf("unknown alert source %q", src)
	}
	if err != nil {
		return o, ext, false, fmt.Errorf("decode %s alert: %w", src, err)
	}
	// the typed struct's repository is shadowed by repoMember
	o.Key.Repo = repo.name
	return o, ext, secret, nil
}

// pageItem is one element of a list page: its bytes, and the observation
// or the reason it was refused.
type pageItem struct {
	raw []byte
	o   exporter.Observation
	err error
}

// pageDecoder is the token stream a page is read with: go-json's Decoder,
// or encoding/json's in the tests that compare the two.
type pageDecoder interface {
	Token() (json.Token, error)
	More() bool
	Decode(v any) error
	InputOffset() int64
}

func newPageDecoder(body []byte) pageDecoder { return gojson.NewDecoder(bytes.NewReader(body)) }

// decodePage parses one list page, a JSON array of alert objects, in one
// pass, into its elements in order. A page that is not an array (or not
// JSON) fails whole; an element that does not decode or convert carries its
// error, and the rest of the page proceeds. An empty body or null is an
// empty page. Only an element's raw aliases body.
func decodePage(body []byte, src exporter.Source, scope Scope, includeRaw bool, repos *repoCache) ([]pageItem, error) {
	return decodePageWith(newPageDecoder(body), body, src, scope, includeRaw, repos)
}

// decodePageWith is decodePage reading body with dec.
func decodePageWith(dec pageDecoder, body []byte, src exporter.Source, scope Scope, includeRaw bool, repos *repoCache) ([]pageItem, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
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
		o, ext, secret, err := decodeObject(src, dec.Decode, repos)
		raw := bytes.TrimLeft(body[start:dec.InputOffset()], ", \t\r\n")
		if isSyntaxError(err) {
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
	dec := newPageDecoder(body)
	o, ext, secret, err := decodeObject(src, dec.Decode, nil)
	it := pageItem{raw: body[:dec.InputOffset()], o: o, err: err}
	if isSyntaxError(err) {
		return it, err
	}
	if err == nil {
		it.o, it.err = finishAlert(o, ext, secret, it.raw, scope, includeRaw, "")
	}
	return it, nil
}

// isSyntaxError reports whether err says the bytes are not JSON (from
// either decoder), as opposed to JSON of the wrong shape.
func isSyntaxError(err error) bool {
	var se *json.SyntaxError
	var gse *gojson.SyntaxError
	return errors.As(err, &se) || errors.As(err, &gse) || errors.Is(err, io.ErrUnexpectedEOF)
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
