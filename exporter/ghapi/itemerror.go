package ghapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// ItemError is one list item that could not be decoded (an unparseable
// number, a null or malformed state, a missing repository). The rest of its
// page is still delivered; the item is reported so the caller can keep it
// and try again, instead of the whole list failing on it every time.
type ItemError struct {
	// Key identifies the item across listings: "owner/repo#number" when
	// those could be read, else a digest of the item's bytes.
	Key    string          `json:"key"`
	Source exporter.Source `json:"source"`
	Repo   string          `json:"repo,omitempty"`
	Number int             `json:"number,omitempty"`
	// UpdatedAt is the item's updated_at when it could be read; a retry
	// must list back at least this far.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Page      int       `json:"page"`
	Index     int       `json:"index"`
	Err       string    `json:"error"`
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("decode %s alert %s (page %d, item %d): %s", e.Source, e.Key, e.Page, e.Index, e.Err)
}

// AsItemError returns the ItemError in err's chain, if any.
func AsItemError(err error) (*ItemError, bool) {
	var ie *ItemError
	ok := errors.As(err, &ie)
	return ie, ok
}

// itemError describes an item decodeAlert refused, reading what it can of
// its identity leniently: the typed decode failed, so any field may be odd.
func itemError(src exporter.Source, raw json.RawMessage, scope Scope, page, index int, err error) *ItemError {
	ie := &ItemError{Source: src, Page: page, Index: index, Err: truncate(err.Error(), 300)}
	var loose struct {
		Number     json.RawMessage `json:"number"`
		UpdatedAt  json.RawMessage `json:"updated_at"`
		Repository struct {
			FullName json.RawMessage `json:"full_name"`
		} `json:"repository"`
	}
	if json.Unmarshal(raw, &loose) == nil {
		if n, err := strconv.Atoi(string(loose.Number)); err == nil && n > 0 {
			ie.Number = n
		}
		var s string
		if json.Unmarshal(loose.Repository.FullName, &s) == nil && validRepo(s) {
			ie.Repo = s
		}
		if json.Unmarshal(loose.UpdatedAt, &s) == nil {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				ie.UpdatedAt = t.UTC()
			}
		}
	}
	if ie.Repo == "" && scope.Kind == ScopeRepo {
		ie.Repo = scope.Name
	}
	if ie.Repo != "" && ie.Number > 0 {
		ie.Key = ie.Repo + "#" + strconv.Itoa(ie.Number)
	} else {
		sum := sha256.Sum256(raw)
		ie.Key = "item:" + hex.EncodeToString(sum[:8])
	}
	return ie
}
