package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesExposition(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(reg, testInfo)
	if err != nil {
		t.Fatal(err)
	}
	m.Report(Snapshot{Step: 7, GeneratorLoss: 3.5})
	srv := httptest.NewServer(Handler(reg, nil))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	for _, want := range []string{
		"gan_train_steps_total 7\n",
		"gan_train_generator_loss 3.5\n",
		"go_goroutines ",
		"promhttp_metric_handler_errors_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
