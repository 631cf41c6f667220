// Package wiring is the table of sink types: it maps a config entry's
// `type` to the sink package under sinks/ that implements it, decodes the
// entry strictly over that type's defaults and validates it without I/O
// (Decode), reads its secrets and files once (Resolve), and builds the sink
// from what was read (Resolved.Build) or checks it online without
// delivering (Check). It sits beside main, as the command's wiring, so that the
// daemon and the sink packages never import one another: the daemon is
// handed built sinks.
//
// A new sink type is one package under sinks/ and one line in table.
package wiring
