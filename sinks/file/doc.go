// Package file is the default sink: records as JSON lines to stdout or to a
// file. A batch counts as delivered only after it was written whole and, for
// a file, synced to disk; a failed write (a full disk) is rolled back, and a
// partial last line left by a crash mid-write is cut when the sink opens the
// file again, so the file never holds a torn line. Either way the batch stays
// queued and is written again.
package file
