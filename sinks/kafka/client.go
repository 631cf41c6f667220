package kafka

import (
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// batchOverhead is room above max_message_bytes for a record batch's
// header and one record's framing (61 + at most ~30 bytes), so that a
// record the sink accepted always fits in a batch of its own.
const batchOverhead = 1024

// connOpts are the options of any client of the sink's cluster: seeds,
// client id, dialing, TLS and SASL. check builds its own client from them.
func connOpts(r Resolved) []kgo.Opt {
	c := r.Config
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(c.ClientID),
		kgo.DialTimeout(c.DialTimeout.D()),
		// a partition whose leader failed waits for fresh metadata before
		// its batch is retried, and its records' deadline is looked at
		// only then: the default 5s would stretch a Send well past
		// produce_timeout
		kgo.MetadataMinAge(time.Second),
	}
	if r.tls != nil {
		// cloned per dial, ServerName filled from each broker's host
		// unless server_name set it
		opts = append(opts, kgo.DialTLSConfig(r.tls))
	}
	if m := mechanism(c.SASL, r.password); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts
}

// producerOpts are the producer's settings. A Send is one attempt: the
// client retries leader changes and reconnects inside it, and everything
// it has not finished when produce_timeout ends fails with that Send
// (AllowIdempotentProduceCancellation lets even an in-flight record fail,
// so a broker that vanished mid-request cannot hold Send, or shutdown,
// hostage; the price is a possible duplicate of that record when the
// delivery loop sends it again, which the record id identifies).
func producerOpts(c Config) []kgo.Opt {
	timeout := c.ProduceTimeout.D()
	return []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowIdempotentProduceCancellation(),
		kgo.RecordDeliveryTimeout(timeout),
		kgo.ProduceRequestTimeout(min(timeout, 10*time.Second)),
		kgo.ProducerBatchMaxBytes(int32(c.MaxMessageBytes + batchOverhead)),
		kgo.ProducerBatchCompression(codec(c.Compression)),
		kgo.ProducerLinger(0),
	}
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

func mechanism(s SASL, password string) sasl.Mechanism {
	switch s.Mechanism {
	case MechanismPlain:
		return plain.Auth{User: s.Username, Pass: password}.AsMechanism()
	case MechanismSCRAMSHA256:
		return scram.Auth{User: s.Username, Pass: password}.AsSha256Mechanism()
	case MechanismSCRAMSHA512:
		return scram.Auth{User: s.Username, Pass: password}.AsSha512Mechanism()
	}
	return nil
}
