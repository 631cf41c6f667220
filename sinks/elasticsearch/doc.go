// Package elasticsearch is the elasticsearch sink: it delivers records to
// an Elasticsearch (or, with compatibility: opensearch, an OpenSearch)
// cluster through the _bulk API, one document per record, each created
// with our record id as its _id in a data stream (or index) per category.
//
// Delivery is idempotent: every document is sent with op_type create, the
// only one data streams take, and a create whose _id is already there
// answers 409, which the sink counts as delivered. That makes the
// Deliverer's whole-batch retry safe: after a partial failure (some items
// 429) the batch is sent again, the documents already in answer 409, and
// only the others are written. The one gap: a data stream creates into its
// current write index, so a redelivery that comes after a rollover is not
// recognised and writes a second copy, with the same record id.
//
// The sink uses go-elasticsearch's esapi request types over its low-level
// transport (elastic-transport-go), with the transport's retries off, and
// not the client's BulkIndexer: the BulkIndexer flushes on its own timer
// and retries items itself in the background, so Send could not make one
// attempt and report which records of the batch were refused; here the
// Deliverer owns batching, retries, Retry-After waits and dead letters.
// The sink also makes its own product check rather than the client's:
// elasticsearch.Client checks the X-Elastic-Product header once and fails
// with an unclassified error, which the Deliverer would retry forever;
// here a reply without the header pauses delivery with the fix (set
// compatibility: opensearch), and with compatibility: opensearch no check
// is made at all (OpenSearch does not send the header).
package elasticsearch
