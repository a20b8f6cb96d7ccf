package backendtest

import (
	"testing"

	"gan-train/model"
)

// Run checks every operation of the contract model.Backend against the
// references of this package: one subtest per group of operations (named
// as the group's interface, less "Ops"), and one per check in it.
func Run(t *testing.T, be model.Backend, tol Tolerance) {
	for _, g := range suite(tol) {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) { c.run(t, be) })
			}
		})
	}
}

// group is the checks of one group of operations of model.Backend.
type group struct {
	name   string
	checks []opCheck
}

// opCheck exercises the operations named in covers.
type opCheck struct {
	name   string
	covers []string // the model.Backend methods it calls and checks
	run    func(t *testing.T, be model.Backend)
}

// withTol adapts a check that takes a tolerance to opCheck's run.
func withTol(tol Tolerance) func(func(*testing.T, model.Backend, Tolerance)) func(*testing.T, model.Backend) {
	return func(f func(*testing.T, model.Backend, Tolerance)) func(*testing.T, model.Backend) {
		return func(t *testing.T, be model.Backend) { f(t, be, tol) }
	}
}

// suite returns the checks Run runs, in order, with floating-point results
// held to tol. Each group is defined in the file named as its group's file
// in package model, so an operation added to a group adds its check there.
// Their covers lists name every method of model.Backend but Close, which
// the caller of Run calls (TestSuiteCoversContract).
func suite(tol Tolerance) []group {
	return []group{
		memoryGroup(tol),
		elementwiseGroup(tol),
		denseGroup(tol),
		lossGroup(tol),
		optimiserGroup(tol),
		randomGroup(tol),
		layoutGroup(tol),
		regularisationGroup(tol),
		pyramidGroup(tol),
		minibatchGroup(tol),
		averagingGroup(tol),
	}
}

// sizes are lengths that are not multiples of any plausible tile, block or
// vector width, around the ones the Edward preset uses.
var sizes = []int{1, 3, 17, 127, 129, 785, 4099}

var activations = []model.Activation{model.Identity, model.ReLU, model.LeakyReLU, model.Sigmoid, model.Tanh}
