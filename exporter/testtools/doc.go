// Package testtools finds the real components the tests run against (test
// receivers, GitHub's OpenAPI description and webhook examples), which
// scripts/setup-test-deps.sh installs, and decides what a test does when
// one is missing: skip it on a developer's machine, fail it under CI. It
// also finds the shared reference material beside the repository
// (Reference).
//
// It is the one place that knows the install location, for the receivers
// in sinks/receivers and for exporter/internal/openapicheck; it
// lives outside any internal directory so that both trees may import it.
// Only tests and test helpers import it.
package testtools
