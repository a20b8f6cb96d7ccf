package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gan-train/internal/metrics"
	"gan-train/train"
)

// status is what the HTTP server shows of a run; the trainer's hooks write
// it, request handlers read it.
type status struct {
	mu       sync.Mutex
	info     metrics.Info
	started  time.Time
	target   int64
	last     train.Stats
	lastAt   time.Time
	resumed  int64         // the step a resumed run started from: /healthz's step until the first log
	history  []train.Stats // thinned to at most historyMax points
	sample   []byte
	sampleAt int64
	done     bool
	err      string
}

const historyMax = 500

func (s *status) log(st train.Stats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.lastAt = st, time.Now()
	s.history = append(s.history, st)
	if len(s.history) > historyMax {
		// keep every other point: the curve keeps its shape at half the resolution
		k := 0
		for i := 0; i < len(s.history); i += 2 {
			s.history[k] = s.history[i]
			k++
		}
		s.history = s.history[:k]
	}
}

// finished records how the run ended: err is nil when it reached its last
// step or stopped cleanly.
func (s *status) finished(err error) {
	s.mu.Lock()
	s.done = err == nil
	if err != nil {
		s.err = err.Error()
	}
	s.mu.Unlock()
}

func (s *status) setSample(step int64, png []byte) {
	s.mu.Lock()
	s.sample, s.sampleAt = png, step
	s.mu.Unlock()
}

// server serves /metrics, /healthz, /samples/latest.png, /status.json and
// the status page at /.
type server struct {
	srv *http.Server
	ln  net.Listener
	st  *status
	log *slog.Logger
}

// stallAfter is how long without a logged step /healthz tolerates.
const stallAfter = 5 * time.Minute

// portTries is how many ports, from the default one on, a run without
// --listen tries before it gives up.
const portTries = 100

// listen opens a TCP listener on addr. With nextFree, a port already in
// use moves on to the next one, up to portTries ports; any other error, or
// a port in use without nextFree, is returned at once.
func listen(addr string, nextFree bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || !nextFree || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	host, portText, serr := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(portText)
	if serr != nil || perr != nil || port == 0 {
		return nil, err
	}
	last := min(port+portTries-1, 65535)
	for p := port + 1; p <= last; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("ports %d to %d on %s are all in use: %w", port, last, host, err)
}

// newServer serves on addr; with nextFree (addr is the default, not the
// user's choice) a busy port moves it on to the next free one.
func newServer(addr string, nextFree bool, reg *prometheus.Registry, st *status, log *slog.Logger) (*server, error) {
	ln, err := listen(addr, nextFree)
	if err != nil {
		return nil, fmt.Errorf("listen address %s: %w (choose another with --listen, or --listen '' to serve nothing)", addr, err)
	}
	if _, want, _ := net.SplitHostPort(addr); nextFree && !strings.HasSuffix(ln.Addr().String(), ":"+want) {
		log.Info("the default port is in use: serving on the next free one", "wanted", addr, "url", "http://"+ln.Addr().String()+"/")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg, log))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		body := map[string]any{"status": "ok", "step": max(st.last.Step, st.resumed), "target_steps": st.target}
		code := http.StatusOK
		if st.err != "" {
			body["status"], body["error"], code = "failed", st.err, http.StatusServiceUnavailable
		} else if !st.lastAt.IsZero() && !st.done && time.Since(st.lastAt) > stallAfter {
			body["status"], code = "stalled", http.StatusServiceUnavailable
		} else if st.done {
			body["status"] = "finished"
		}
		st.mu.Unlock()
		writeJSON(w, code, body)
	})
	mux.HandleFunc("GET /samples/latest.png", func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		img := st.sample
		st.mu.Unlock()
		if img == nil {
			http.Error(w, "no sample yet", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(img)
	})
	mux.HandleFunc("GET /status.json", func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		body := map[string]any{
			"run_id": st.info.RunID, "preset": st.info.Preset, "device": st.info.Device, "version": st.info.Version,
			"started": st.started.UTC().Format(time.RFC3339), "target_steps": st.target,
			"last": st.last, "history": slices.Clone(st.history), "sample_step": st.sampleAt, "finished": st.done,
		}
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(statusPage))
	})
	s := &server{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
		},
		ln: ln, st: st, log: log,
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("HTTP server stopped", "err", err)
		}
	}()
	return s, nil
}

func (s *server) Addr() string { return s.ln.Addr().String() }

func (s *server) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.log.Warn("HTTP shutdown", "err", err)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
