// Package tlsconf builds the TLS client configuration of every sink that
// speaks TLS (splunk_hec, syslog, email), so ca_file, cert_file, key_file,
// server_name and insecure_skip_verify mean the same thing in each. Check
// is a sink's Validate part (no I/O); Client is its resolve step's part,
// which reads the files once. Settings are ca_file, cert_file, key_file and
// insecure_skip_verify as an entry that has all four embeds them.
// HTTPTransport is the http.Transport the HTTP sinks (splunk_hec, otlp,
// elasticsearch, azure_monitor_logs) put it in.
//
// ca_file REPLACES the system roots: a sink given a ca_file trusts exactly
// the CAs in that file. Pointing a sink at a private CA is a statement
// about which issuer may vouch for the receiver; also trusting the hundred
// public roots would let any of them issue a certificate for that host.
// Without ca_file the system roots are used.
package tlsconf
