package email

import (
	"cmp"
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// entry is what a digest or an immediate mail needs of one record. It is
// stored in a compact binary form: a digest period can hold hundreds of
// thousands of them, and the raw GitHub object or an audit entry's full
// body would only bloat the state file.
type entry struct {
	ID       string
	Time     time.Time
	Audit    bool
	Source   exporter.Source
	Action   string
	Severity string
	Org      string
	Repo     string
	Number   int
	Title    string
	URL      string
	Actor    string
	Reason   string
	Comment  string
	Secret   string // secret_type, never the secret
	Created  time.Time

	// A request entry (Request set) keeps its request number in Number,
	// and these; they are stored after the other fields, so entries of
	// earlier versions read as they did.
	Request      bool
	SelfReviewed bool
	Kind         string
	Target       string
	Requester    string
	AlertNumber  int
}

// Long free text is cut: a digest lists it, it does not archive it.
const (
	maxTitle   = 200
	maxComment = 300
)

const entryVersion = 1

func entryOf(r exporter.Record) entry {
	e := entry{
		ID: r.ID, Time: r.Time, Audit: r.Category == exporter.CategoryAudit,
		Source: r.Source, Action: r.Action, Org: r.Org, Repo: r.Repo, Actor: r.Actor,
	}
	if a := r.Alert; a != nil {
		e.Number, e.Severity, e.URL = a.Number, a.Severity, a.HTMLURL
		e.Title = truncate(a.Title, maxTitle)
		e.Reason, e.Comment = a.Reason, truncate(a.Comment, maxComment)
		e.Secret = a.SecretType
		if a.CreatedAt != nil {
			e.Created = *a.CreatedAt
		}
	}
	if e.Audit && r.Audit != nil && r.Audit.Action != "" {
		e.Action = r.Audit.Action
	}
	if q := r.Request; q != nil && r.Category == exporter.CategoryRequest {
		e.Request, e.SelfReviewed = true, q.SelfReviewed
		e.Kind, e.Target, e.Requester, e.Number = q.Kind, q.Target, q.Requester, q.Number
		e.URL, e.Reason = q.HTMLURL, q.Reason
		e.Comment = truncate(cmp.Or(q.ReviewerComment, q.RequesterComment), maxComment)
		if r.Alert != nil {
			e.AlertNumber = r.Alert.Number
		}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

func (e *entry) append(b []byte) []byte {
	b = append(b, entryVersion)
	flags := byte(0)
	if e.Audit {
		flags |= 1
	}
	if e.Request {
		flags |= 2
	}
	if e.SelfReviewed {
		flags |= 4
	}
	b = append(b, flags)
	b = appendTime(b, e.Time)
	b = appendTime(b, e.Created)
	b = binary.AppendUvarint(b, uint64(max(e.Number, 0)))
	for _, s := range [...]string{e.ID, string(e.Source), e.Action, e.Severity, e.Org, e.Repo, e.Title, e.URL, e.Actor, e.Reason, e.Comment, e.Secret} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if e.Request {
		for _, s := range [...]string{e.Kind, e.Target, e.Requester} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendUvarint(b, uint64(max(e.AlertNumber, 0)))
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte { return binary.AppendVarint(b, stampOf(t)) }

var errCorrupt = errors.New("corrupt digest entry")

// decode fills e from b; strings are copied, so e outlives the transaction.
func (e *entry) decode(b []byte) error {
	if len(b) < 2 || b[0] != entryVersion {
		return errCorrupt
	}
	e.Audit, e.Request, e.SelfReviewed = b[1]&1 != 0, b[1]&2 != 0, b[1]&4 != 0
	b = b[2:]
	var ok bool
	if e.Time, b, ok = readTime(b); !ok {
		return errCorrupt
	}
	if e.Created, b, ok = readTime(b); !ok {
		return errCorrupt
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return errCorrupt
	}
	e.Number, b = int(n), b[k:]
	var src string
	for _, p := range [...]*string{&e.ID, &src, &e.Action, &e.Severity, &e.Org, &e.Repo, &e.Title, &e.URL, &e.Actor, &e.Reason, &e.Comment, &e.Secret} {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return errCorrupt
		}
		*p, b = string(b[k:k+int(l)]), b[k+int(l):]
	}
	e.Source = exporter.Source(src)
	if !e.Request {
		return nil
	}
	for _, p := range [...]*string{&e.Kind, &e.Target, &e.Requester} {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return errCorrupt
		}
		*p, b = string(b[k:k+int(l)]), b[k+int(l):]
	}
	n, k = binary.Uvarint(b)
	if k <= 0 {
		return errCorrupt
	}
	e.AlertNumber = int(n)
	return nil
}

func readTime(b []byte) (time.Time, []byte, bool) {
	v, k := binary.Varint(b)
	if k <= 0 {
		return time.Time{}, nil, false
	}
	if v == 0 {
		return time.Time{}, b[k:], true
	}
	return time.UnixMilli(v).UTC(), b[k:], true
}

// stampOf is how an entry stores t: unix ms, 0 for unset.
func stampOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// entrySeenKey is the index key of an encoded entry (nil if it does not
// decode): pruning needs only the id and time and decodes nothing else.
func entrySeenKey(b []byte) []byte {
	if len(b) < 2 || b[0] != entryVersion {
		return nil
	}
	at, k := binary.Varint(b[2:])
	if k <= 0 {
		return nil
	}
	b = b[2+k:]
	for range 2 { // created, number
		_, k := binary.Uvarint(b)
		if k <= 0 {
			return nil
		}
		b = b[k:]
	}
	l, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < l {
		return nil
	}
	return seenKey(string(b[k:k+int(l)]), at)
}

// encodedTimeToFix is timeToFix of an encoded entry, read without decoding
// the strings: a median beyond memory walks the whole period again.
func encodedTimeToFix(b []byte) (time.Duration, bool) {
	if len(b) < 2 || b[0] != entryVersion || b[1]&1 != 0 {
		return 0, false
	}
	b = b[2:]
	var at, created int64
	for _, p := range [...]*int64{&at, &created} {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		*p, b = v, b[k:]
	}
	if _, k := binary.Uvarint(b); k > 0 {
		b = b[k:]
	} else {
		return 0, false
	}
	fixed := false
	for i := range 12 { // every string, so that what decode rejects is rejected here
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return 0, false
		}
		if i == 2 { // the action
			fixed = string(b[k:k+int(l)]) == exporter.ActionFixed
		}
		b = b[k+int(l):]
	}
	if !fixed || created == 0 || at <= created {
		return 0, false
	}
	return time.Duration(at-created) * time.Millisecond, true
}
