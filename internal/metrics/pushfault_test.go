package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A gateway that fails once (restarting) gets the push on the retry.
func TestPushRetriesAFailingGateway(t *testing.T) {
	reg, _ := newTest(t)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	if err := Push(context.Background(), srv.URL, "gan-train", reg, nil); err != nil {
		t.Fatalf("push to a gateway that failed once: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2 (one failure, one retry)", n.Load())
	}
}

// A gateway that drops every connection is tried three times, then the
// error says so; one that refuses the push (4xx) is not retried.
func TestPushGivesUp(t *testing.T) {
	reg, _ := newTest(t)
	var n atomic.Int32
	dying := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the gateway dies mid-request
		}
	}))
	defer dying.Close()
	err := Push(context.Background(), dying.URL, "gan-train", reg, nil)
	if err == nil || !strings.Contains(err.Error(), "attempt 3 of 3") || n.Load() != 3 {
		t.Errorf("push to a dying gateway: %v after %d requests, want an error after 3 attempts", err, n.Load())
	}
	n.Store(0)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "bad metrics", http.StatusBadRequest)
	}))
	defer refusing.Close()
	err = Push(context.Background(), refusing.URL, "gan-train", reg, nil)
	if err == nil || !strings.Contains(err.Error(), "400") || n.Load() != 1 {
		t.Errorf("push to a refusing gateway: %v after %d requests, want the 400 after 1", err, n.Load())
	}
}

// A gateway that never answers costs no more than the caller's deadline.
func TestPushToASlowGatewayKeepsTheDeadline(t *testing.T) {
	reg, _ := newTest(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Push(ctx, slow.URL, "gan-train", reg, nil)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("push to a gateway that never answers: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("push took %v, want about the 0.7 s deadline", d)
	}
}
