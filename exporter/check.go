package exporter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// CheckResult is one verdict of an online check (`ghsec-exporter check`).
type CheckResult struct {
	// Check names what was tried: "reachable", "tls verified",
	// "credential accepted", "writable".
	Check string
	// OK is whether it worked.
	OK bool
	// Detail is what was seen: the answer, the address, the error.
	Detail string
	// Fix says what to change when !OK.
	Fix string
}

// Checker is implemented by sinks that can prove, without delivering a
// record, that they would work: the destination answers, its certificate
// verifies, its credential is accepted. Check never sends a record and
// never returns an error: a failure is a CheckResult with OK false.
type Checker interface {
	Check(ctx context.Context) []CheckResult
}

// IsCertError reports whether err is a failed TLS certificate verification
// (unknown authority, wrong host name, expired), as opposed to the peer
// being unreachable.
func IsCertError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify)
}
