package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// point is one logged step of metrics.jsonl, the fields the report draws.
type point struct {
	Step  int64
	DLoss float64
	GLoss float64
	DReal float64
	DFake float64
}

// maxLine bounds one metrics.jsonl line; the trainer's lines are a few
// hundred bytes.
const maxLine = 1 << 20

// readMetrics parses a metrics.jsonl stream. Blank lines are skipped; a line
// that is not a JSON object with a numeric "step" is an error naming its
// 1-based line number. Points come back sorted by step (stable, so a log
// written in order keeps its order).
func readMetrics(r io.Reader) ([]point, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var pts []point
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec struct {
			Step  *int64   `json:"step"`
			DLoss *float64 `json:"d_loss"`
			GLoss *float64 `json:"g_loss"`
			DReal *float64 `json:"d_real"`
			DFake *float64 `json:"d_fake"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", line, err)
		}
		if rec.Step == nil {
			return nil, fmt.Errorf("metrics line %d: no \"step\" field", line)
		}
		p := point{Step: *rec.Step, DLoss: nan(), GLoss: nan(), DReal: nan(), DFake: nan()}
		for _, f := range []struct {
			src *float64
			dst *float64
		}{{rec.DLoss, &p.DLoss}, {rec.GLoss, &p.GLoss}, {rec.DReal, &p.DReal}, {rec.DFake, &p.DFake}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		pts = append(pts, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("metrics line %d: longer than %d bytes", line+1, maxLine)
		}
		return nil, fmt.Errorf("metrics after line %d: %w", line, err)
	}
	if len(pts) == 0 {
		return nil, errors.New("no metrics lines: the run logged no step")
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Step < pts[j].Step })
	return pts, nil
}
