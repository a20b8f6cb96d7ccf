// Command fakerun stands in for `gan-train train` in the Prometheus
// integration test (scripts/prom-integration.sh) so that the test can be
// proven without the trainer: it accepts the same command line
// (train --preset P --steps N --out DIR --listen ADDR)
// and serves the real gan-train metrics of package metrics, fed with a
// synthetic run: about 100 steps a second with plausible losses and
// discriminator outputs, phase timings, and a checkpoint every 2 seconds.
// It runs until it reaches --steps or gets SIGINT or SIGTERM.
package main
