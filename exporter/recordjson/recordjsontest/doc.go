// Package recordjsontest fills records and snapshots for tests: every
// exported field, recursively, set to a non-zero value derived from its
// path, so a test that round-trips one covers a field added later without
// being edited.
package recordjsontest
