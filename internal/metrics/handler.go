package metrics

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the metrics of reg in the Prometheus exposition formats
// (mount it at /metrics). Gathering errors are logged to log (nil means
// slog.Default()) and the metrics that could be gathered are still served.
func Handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slogPrinter{log},
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          reg, // exports promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// slogPrinter adapts slog to promhttp's Println-style error log.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.log.Error("serving metrics", "error", v)
}
