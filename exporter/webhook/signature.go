package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader carries the HMAC-SHA256 of the raw body, "sha256=<hex>".
const SignatureHeader = "X-Hub-Signature-256"

// Signature errors. All of them answer 401.
var (
	ErrNoSignature  = errors.New("no " + SignatureHeader + " header")
	ErrBadSignature = errors.New("signature does not match the body")
	ErrNoSecret     = errors.New("webhook secret is empty")
)

// Sign returns the X-Hub-Signature-256 value GitHub sends for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks header (the X-Hub-Signature-256 value) against body in
// constant time. An empty secret never verifies: go-github's
// ValidatePayload skips the check in that case, this does not. A request
// signed only with SHA-1 (X-Hub-Signature) has no header here and fails.
func Verify(secret []byte, header string, body []byte) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if header == "" {
		return ErrNoSignature
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}
