package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"gan-train/internal/atomicfile"
	"gan-train/internal/fsx"
)

// metricsLog is a run's open metrics.jsonl: buffered lines for logged
// steps, and the extra records that arrive on a channel.
type metricsLog struct {
	fsys    fsx.FS
	path    string
	f       fsx.File
	w       *bufio.Writer
	records <-chan Record // nil when none arrive
	log     *slog.Logger
}

// openMetrics opens the metrics log at path for a run that resumes from
// step resumed (0: a new run), as openMetricsLog does.
func openMetrics(fsys fsx.FS, path string, resumed int64, records <-chan Record, log *slog.Logger) (*metricsLog, error) {
	f, err := openMetricsLog(fsys, path, resumed)
	if err != nil {
		return nil, err
	}
	return &metricsLog{fsys: fsys, path: path, f: f, w: bufio.NewWriter(f), records: records, log: log}, nil
}

// writeLine adds one JSON line.
func (m *metricsLog) writeLine(line []byte) {
	m.w.Write(append(line, '\n'))
}

// writeRecord adds r as a line holding "step" and r's fields.
func (m *metricsLog) writeRecord(r Record) {
	fields := map[string]any{"step": r.Step}
	for k, v := range r.Fields {
		fields[k] = v
	}
	if line, err := json.Marshal(fields); err == nil {
		m.writeLine(line)
	} else {
		m.log.Warn("dropping a metrics record", "step", r.Step, "err", err)
	}
}

// drain writes the records that have arrived, without waiting for more.
func (m *metricsLog) drain() {
	for m.records != nil {
		select {
		case r := <-m.records:
			m.writeRecord(r)
		default:
			return
		}
	}
}

// flush writes the buffered lines to the file.
func (m *metricsLog) flush() error {
	if err := m.w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", metricsFile, err)
	}
	return nil
}

// sync writes the records that have arrived and every buffered line to
// stable storage.
func (m *metricsLog) sync() error {
	m.drain()
	if err := m.flush(); err != nil {
		return err
	}
	if err := m.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", metricsFile, err)
	}
	return nil
}

// truncate drops the lines past step, which a rollback to the checkpoint
// of step undid, and goes on appending.
func (m *metricsLog) truncate(step int64) error {
	if err := m.flush(); err != nil {
		return err
	}
	if err := m.close(); err != nil {
		return err
	}
	f, err := openMetricsLog(m.fsys, m.path, step)
	if err != nil {
		return err
	}
	m.f, m.w = f, bufio.NewWriter(f)
	return nil
}

// close closes the file; buffered lines not flushed are lost.
func (m *metricsLog) close() error {
	if err := m.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", metricsFile, err)
	}
	return nil
}

// openMetricsLog opens metrics.jsonl for appending. Lines for steps after
// the checkpoint a run resumes from (logged before a crash) are dropped
// first, so the log never holds a step twice.
func openMetricsLog(fsys fsx.FS, path string, resumed int64) (fsx.File, error) {
	old, err := fsys.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var keep bytes.Buffer
	if resumed > 0 {
		sc := bufio.NewScanner(bytes.NewReader(old))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var s struct {
				Step int64 `json:"step"`
			}
			if json.Unmarshal(sc.Bytes(), &s) == nil && s.Step <= resumed {
				keep.Write(sc.Bytes())
				keep.WriteByte('\n')
			}
		}
	}
	if !bytes.Equal(keep.Bytes(), old) {
		if err := atomicfile.WriteBytesFS(fsys, path, 0o644, keep.Bytes()); err != nil {
			return nil, err
		}
	}
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return f, nil
}
