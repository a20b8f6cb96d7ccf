// Package metrics defines the Prometheus metrics that gan-train exports
// while it trains, and pushes them to a Pushgateway when a batch run ends.
//
// Everything lives in one Metrics value built by New from an explicit
// prometheus.Registerer: there is no package-level state and no promauto.
// NewRegistry returns a registry that already carries the Go runtime and
// process collectors; a caller that builds its own registry registers
// those itself (collectors.NewGoCollector, collectors.NewProcessCollector)
// if it wants them.
//
// Names follow the Prometheus conventions: base units (seconds), words
// spelled out (promlint reads a "d_" prefix as days, so the discriminator
// is never "d"), counters end in _total, and no label carries a step
// number or any other unbounded value. The full set:
//
//	gan_train_discriminator_loss                 gauge
//	gan_train_generator_loss                     gauge
//	gan_train_discriminator_real_output          gauge, mean D(x) over the last batch
//	gan_train_discriminator_fake_output          gauge, mean D(G(z)) over the last batch
//	gan_train_steps_total                        counter, steps run by this process
//	gan_train_samples_total                      counter, real examples consumed by this process
//	gan_train_last_step                          gauge, absolute number of the last completed step
//	gan_train_target_steps                       gauge, the step at which the run ends
//	gan_train_step_duration_seconds{phase}       histogram, phase = step | discriminator | generator
//	gan_train_learning_rate{network}             gauge, network = discriminator | generator
//	gan_train_gradient_norm{network}             gauge, L2 norm of the last gradient
//	gan_train_nonfinite_total                    counter, non-finite losses or gradients seen
//	gan_train_last_step_timestamp_seconds        gauge, Unix time of the last completed step
//	gan_train_checkpoint_duration_seconds        histogram
//	gan_train_checkpoints_total                  counter
//	gan_train_last_checkpoint_timestamp_seconds  gauge
//	gan_train_data_epoch                         gauge
//	gan_train_info{device,preset,run_id,version} gauge, always 1
//	gan_train_eval_*                             gauges, present only once evaluated
//
// The two counters count work done by this process, so a resumed run
// starts them at zero again (Prometheus reads that as a counter reset and
// rate() stays right); gan_train_last_step carries the absolute step.
//
// The trainer calls Report after each logged step, ObserveStep for the
// phase timings, Checkpoint after each checkpoint, NonFinite when it finds
// NaN or Inf, and SetEval when an evaluation finishes. The evaluation
// gauges are left out of the exposition until their first SetEval, so an
// absent series means "not evaluated", never a misleading zero.
//
// Push sends the gan_train_* families of a Gatherer to a Pushgateway, the
// pattern Prometheus recommends for batch jobs whose process ends before
// the next scrape.
package metrics
