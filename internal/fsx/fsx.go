// Package fsx is the file system a run directory is written through: the
// operating system's, or in tests one that injects faults (a full disk, a
// read-only directory, an I/O error) at chosen operations and paths.
package fsx

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is an open file.
type File interface {
	io.Reader
	io.Writer
	io.Closer
	Name() string
	Sync() error
	Chmod(mode fs.FileMode) error
}

// FS is what a training run does to its directory.
type FS interface {
	MkdirAll(path string, perm fs.FileMode) error
	CreateTemp(dir, pattern string) (File, error)
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	Glob(pattern string) ([]string, error)
}

// OS is the operating system's file system.
type OS struct{}

func (OS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }
func (OS) CreateTemp(dir, pattern string) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return f, nil
}
func (OS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}
func (OS) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (OS) Rename(oldpath, newpath string) error  { return os.Rename(oldpath, newpath) }
func (OS) Remove(name string) error              { return os.Remove(name) }
func (OS) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }
