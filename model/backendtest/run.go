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

// suite returns the checks Run runs, in order, with floating-point results
// held to tol. Their covers lists name every method of model.Backend but
// Close, which the caller of Run calls (TestSuiteCoversContract).
func suite(tol Tolerance) []group {
	at := func(f func(*testing.T, model.Backend, Tolerance)) func(*testing.T, model.Backend) {
		return func(t *testing.T, be model.Backend) { f(t, be, tol) }
	}
	return []group{
		{"Memory", []opCheck{
			{"Buffers", []string{"Name", "Alloc", "View", "Free", "Upload", "Download", "Copy", "Sync"}, testMemory},
			{"Counters", []string{"SetCounter", "IncCounter"}, testCounters},
		}},
		{"Elementwise", []opCheck{
			{"FillAffine", []string{"Fill", "Affine"}, at(testElementwise)},
			{"Accumulate", []string{"Accumulate"}, testAccumulate},
		}},
		{"Dense", []opCheck{
			{"DenseForward", []string{"DenseForward"}, at(testDenseForward)},
			{"DenseBackward", []string{"DenseBackward"}, at(testDenseBackward)},
		}},
		{"Loss", []opCheck{
			{"LogitBCE", []string{"LogitBCE"}, at(testLogitBCE)},
			{"SoftmaxXent", []string{"SoftmaxXent"}, at(testSoftmaxXent)},
			{"FDivLoss", []string{"FDivLoss"}, at(testFDivLoss)},
			{"MeanSigmoid", []string{"MeanSigmoid"}, at(testMeanSigmoid)},
			{"SumSquares", []string{"SumSquares"}, at(testSumSquares)},
		}},
		{"Optimiser", []opCheck{{"Adam", []string{"Adam"}, at(testAdam)}}},
		{"Random", []opCheck{
			{"Noise", []string{"Noise"}, testNoise},
			{"Binarize", []string{"Binarize"}, testBinarize},
		}},
		{"Layout", []opCheck{
			{"GatherRows", []string{"GatherRows"}, testGatherRows},
			{"OneHot", []string{"OneHot"}, testOneHot},
			{"CopyCols", []string{"CopyCols"}, testCopyCols},
		}},
		{"Regularisation", []opCheck{
			{"Maxout", []string{"MaxoutForward", "MaxoutBackward"}, testMaxout},
			{"Dropout", []string{"Dropout"}, testDropout},
		}},
		{"Pyramid", []opCheck{
			{"Downsample2x", []string{"Downsample2x"}, at(testDownsample)},
			{"Upsample2x", []string{"Upsample2x"}, at(testUpsample)},
			{"RoundTrip", []string{"Downsample2x", "Upsample2x"}, testPyramidRoundTrip},
		}},
		{"Minibatch", []opCheck{
			{"Forward", []string{"MinibatchDiscForward"}, at(testMBDForward)},
			{"Backward", []string{"MinibatchDiscBackward"}, at(testMBDBackward)},
			{"FiniteDifferences", []string{"MinibatchDiscBackward"}, testMBDFiniteDiff},
			{"Collapsed", []string{"MinibatchDiscForward", "MinibatchDiscBackward"}, testMBDCollapsed},
		}},
		{"Averaging", []opCheck{
			{"Average", []string{"Average"}, at(testAverage)},
			{"AverageConverges", []string{"Average"}, at(testAverageConverges)},
		}},
	}
}

// sizes are lengths that are not multiples of any plausible tile, block or
// vector width, around the ones the Edward preset uses.
var sizes = []int{1, 3, 17, 127, 129, 785, 4099}

var activations = []model.Activation{model.Identity, model.ReLU, model.LeakyReLU, model.Sigmoid, model.Tanh}
