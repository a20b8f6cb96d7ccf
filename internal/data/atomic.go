package data

import (
	"io"

	"gan-train/internal/atomicfile"
)

// WriteFileAtomic writes path through write so that readers see either the
// old file or the complete new one (see package internal/atomicfile).
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, 0o644, write)
}
