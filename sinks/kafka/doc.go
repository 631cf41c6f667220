// Package kafka is the `type: kafka` sink: one Kafka message per record,
// produced with franz-go's idempotent producer and acks=all to a topic per
// record category, keyed by the record id (or by alert, for ordering per
// alert), the record id also in a header. TLS goes through tlsconf; SASL
// is PLAIN or SCRAM-SHA-256/512 with the password from a file or an
// environment variable.
//
// A Send is one attempt bounded by produce_timeout: the client retries
// leader changes and reconnects inside it, and whatever is unfinished at
// the deadline fails with the Send, which the delivery loop retries.
// A record over max_message_bytes, or one the broker refuses for its
// content when sent alone (MESSAGE_TOO_LARGE and the like), is rejected
// and dead-lettered; authorization, SASL and missing topics pause.
package kafka
