// Package receivers starts the real test receivers (rsyslog, syslog-ng,
// mailpit, the OpenTelemetry Collector's splunk_hec and otlp receivers, and
// the Prometheus server that scrapes the daemon's metrics) as child
// processes on loopback for integration tests, one instance per test, on
// free ports, in the test's temporary directory.
//
// The binaries are installed by scripts/setup-test-deps.sh into testtools.Dir().
// A missing binary skips the test on a developer machine and fails it when
// CI=true: integration tests never skip silently in CI.
package receivers
