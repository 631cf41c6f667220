// Package syslog is the `syslog` sink: it renders each exporter.Record as an
// RFC 5424 (default) or RFC 3164 message whose body is the record's JSON or a
// CEF event, and ships it over UDP, TCP or TLS, with RFC 6587 octet-counted
// (default on streams) or LF framing, or over RELP (rsyslog's Reliable Event
// Logging Protocol, optionally in TLS), where every message is acknowledged.
//
// The package has three parts, one file each: the message mapper
// (message.go, with the SD and CEF escaping in escape.go and cef.go) is a
// pure function of the record and the config, covered by golden files under
// testdata; the connection (conn.go) dials, detects a peer that went away and
// frames writes; the Sink (sink.go) ties them together and classifies
// failures for the delivery loop.
//
// Delivery: a Send makes one attempt. On TCP and TLS it returns nil only when
// every message of the batch was written; a broken connection is dropped and
// the Send returns a retryable error, so the batch stays in the outbox and is
// sent again (possibly duplicating records the receiver already had, never
// losing them) — but plain TCP/TLS syslog has no acknowledgement, so what a
// receiver held in its socket buffer when it restarted is lost although the
// write succeeded. RELP (relp.go) closes that gap: a Send returns nil only
// once every message got "200 OK". UDP is best effort: a datagram the network
// or the receiver drops is not noticed.
package syslog
