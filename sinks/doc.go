// Package sinks builds the configured destinations. Each sink type lives in
// its own package below this one (file, splunkhec, splunkcloud, syslog,
// email) and implements exporter.Sink; this package maps a config entry's
// `type` to that package, decoding the entry strictly into the type's Config.
package sinks
