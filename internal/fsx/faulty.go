package fsx

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
)

// Op names an operation a Fault can fail.
type Op string

// The operations of FS and File that a Fault can fail.
const (
	OpMkdir  Op = "mkdir"
	OpCreate Op = "create" // CreateTemp, and OpenFile with O_CREATE
	OpOpen   Op = "open"   // OpenFile without O_CREATE
	OpRead   Op = "read"   // ReadFile, File.Read
	OpWrite  Op = "write"  // File.Write
	OpSync   Op = "sync"
	OpRename Op = "rename" // matched on the new path
	OpRemove Op = "remove"
)

// Fault makes Op fail with Err on paths whose last two elements
// ("checkpoints/latest.ckpt") contain Path (all paths when empty). A write fault lets AfterBytes bytes through first, as a disk
// that fills up part-way does. Times > 0 limits how often it fires.
type Fault struct {
	Op         Op
	Path       string
	Err        error
	AfterBytes int64
	Times      int
}

// Faulty is an FS that injects Faults into Base's operations. It is safe
// for concurrent use.
type Faulty struct {
	Base FS

	mu     sync.Mutex
	faults []*Fault
	fired  map[*Fault]int
}

// NewFaulty returns base with faults injected.
func NewFaulty(base FS, faults ...Fault) *Faulty {
	f := &Faulty{Base: base, fired: map[*Fault]int{}}
	for i := range faults {
		f.faults = append(f.faults, &faults[i])
	}
	return f
}

// Fired reports how many times faults fired in all.
func (f *Faulty) Fired() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.fired {
		n += c
	}
	return n
}

// match returns the fault for op on path, or nil; it does not count it.
func (f *Faulty) match(op Op, path string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.faults {
		if x.Op == op && strings.Contains(tail(path), x.Path) && (x.Times <= 0 || f.fired[x] < x.Times) {
			return x
		}
	}
	return nil
}

// tail is the last two elements of path, which a Fault's Path is matched
// against (so that a test's temporary directory never matches).
func tail(path string) string {
	return filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path))
}

func (f *Faulty) fire(x *Fault, op Op, path string) error {
	f.mu.Lock()
	f.fired[x]++
	f.mu.Unlock()
	return &fs.PathError{Op: string(op), Path: path, Err: x.Err}
}

func (f *Faulty) check(op Op, path string) error {
	if x := f.match(op, path); x != nil {
		return f.fire(x, op, path)
	}
	return nil
}

func (f *Faulty) MkdirAll(path string, perm fs.FileMode) error {
	if err := f.check(OpMkdir, path); err != nil {
		return err
	}
	return f.Base.MkdirAll(path, perm)
}

func (f *Faulty) CreateTemp(dir, pattern string) (File, error) {
	if err := f.check(OpCreate, dir+"/"+pattern); err != nil {
		return nil, err
	}
	file, err := f.Base.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &faultyFile{File: file, fs: f}, nil
}

func (f *Faulty) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	op := OpOpen
	if flag&createFlag != 0 {
		op = OpCreate
	}
	if err := f.check(op, name); err != nil {
		return nil, err
	}
	file, err := f.Base.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultyFile{File: file, fs: f}, nil
}

func (f *Faulty) ReadFile(name string) ([]byte, error) {
	if err := f.check(OpRead, name); err != nil {
		return nil, err
	}
	return f.Base.ReadFile(name)
}

func (f *Faulty) Stat(name string) (fs.FileInfo, error) { return f.Base.Stat(name) }

func (f *Faulty) Rename(oldpath, newpath string) error {
	if err := f.check(OpRename, newpath); err != nil {
		return err
	}
	return f.Base.Rename(oldpath, newpath)
}

func (f *Faulty) Remove(name string) error {
	if err := f.check(OpRemove, name); err != nil {
		return err
	}
	return f.Base.Remove(name)
}

func (f *Faulty) Glob(pattern string) ([]string, error) { return f.Base.Glob(pattern) }

type faultyFile struct {
	File
	fs      *Faulty
	written int64
}

func (w *faultyFile) Write(p []byte) (int, error) {
	if x := w.fs.match(OpWrite, w.Name()); x != nil {
		room := x.AfterBytes - w.written
		if room < int64(len(p)) {
			n := 0
			if room > 0 {
				n, _ = w.File.Write(p[:room])
				w.written += int64(n)
			}
			return n, w.fs.fire(x, OpWrite, w.Name())
		}
	}
	n, err := w.File.Write(p)
	w.written += int64(n)
	return n, err
}

func (w *faultyFile) Read(p []byte) (int, error) {
	if err := w.fs.check(OpRead, w.Name()); err != nil {
		return 0, err
	}
	return w.File.Read(p)
}

func (w *faultyFile) Sync() error {
	if err := w.fs.check(OpSync, w.Name()); err != nil {
		return err
	}
	return w.File.Sync()
}

func (w *faultyFile) String() string { return fmt.Sprintf("faulty(%s)", w.Name()) }
