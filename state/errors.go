package state

import "errors"

// Errors returned by this package; check them with errors.Is.
var (
	// ErrLocked: another process holds the state file.
	ErrLocked = errors.New("state file is in use by another process")
	// ErrSchemaTooNew: the file was written by a newer exporter.
	ErrSchemaTooNew = errors.New("state file schema is newer than this exporter")
	// ErrClosed: the DB was closed.
	ErrClosed = errors.New("state file is closed")
	// ErrDamaged: the file is empty, truncated or its header pages are
	// unreadable; Open reads it only and leaves it as it is.
	ErrDamaged = errors.New("state file is damaged")
)
