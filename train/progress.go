package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar on a terminal.
type progress struct {
	w     io.Writer
	total int64
	start time.Time
	drawn bool
}

func newProgress(w io.Writer, total int64) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) active() bool { return p.w != nil }

func (p *progress) update(s Stats) {
	const width = 24
	frac := float64(s.Step) / float64(p.total)
	fill := int(frac * width)
	eta := "?"
	if s.StepsPerSec > 0 {
		eta = (time.Duration(float64(p.total-s.Step)/s.StepsPerSec) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%7d/%d [%s%s] %6.1f steps/s ETA %-8s D %.3f G %.3f ",
		s.Step, p.total, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), s.StepsPerSec, eta, s.DLoss, s.GLoss)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
