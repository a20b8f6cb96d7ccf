// Package atomicfile writes files so that a reader, or a process restarted
// after a crash, sees either the old content or the complete new content,
// never a half-written file: write to a temporary file in the same
// directory, sync it, rename it over the target, then sync the directory.
package atomicfile
