package backendtest

import (
	"reflect"
	"slices"
	"testing"

	"gan-train/model"
)

// TestSuiteCoversContract requires the suite to name every method of
// model.Backend (but Close, which Run's caller calls) and nothing else, so
// that an operation added to the contract without a check fails here.
func TestSuiteCoversContract(t *testing.T) {
	covered := map[string]bool{}
	for _, g := range suite(DefaultTolerance()) {
		for _, c := range g.checks {
			if len(c.covers) == 0 || c.run == nil {
				t.Errorf("%s/%s: no methods or no function", g.name, c.name)
			}
			for _, m := range c.covers {
				covered[m] = true
			}
		}
	}
	bt := reflect.TypeFor[model.Backend]()
	var missing []string
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		if !covered[name] && name != "Close" {
			missing = append(missing, name)
		}
		delete(covered, name)
	}
	if len(missing) > 0 {
		t.Errorf("methods of model.Backend no check covers: %v", missing)
	}
	for name := range covered {
		t.Errorf("a check covers %s, which model.Backend does not have", name)
	}
}

// TestGroupsAreTheContract requires each group of the suite to check the
// methods of the model interface of the same name, so that the suite's
// layout follows the contract's.
func TestGroupsAreTheContract(t *testing.T) {
	groups := map[string]reflect.Type{
		"Memory": reflect.TypeFor[model.MemoryOps](), "Elementwise": reflect.TypeFor[model.ElementwiseOps](),
		"Dense": reflect.TypeFor[model.DenseOps](), "Loss": reflect.TypeFor[model.LossOps](),
		"Optimiser": reflect.TypeFor[model.OptimiserOps](), "Random": reflect.TypeFor[model.RandomOps](),
		"Layout": reflect.TypeFor[model.LayoutOps](), "Regularisation": reflect.TypeFor[model.RegularisationOps](),
		"Pyramid": reflect.TypeFor[model.PyramidOps](), "Minibatch": reflect.TypeFor[model.MinibatchOps](),
		"Averaging": reflect.TypeFor[model.AveragingOps](),
	}
	own := []string{"Name", "Sync", "Close"} // Backend's own methods
	for _, g := range suite(DefaultTolerance()) {
		it, ok := groups[g.name]
		if !ok {
			t.Errorf("group %s: no model interface %sOps", g.name, g.name)
			continue
		}
		for _, c := range g.checks {
			for _, m := range c.covers {
				if _, ok := it.MethodByName(m); !ok && !slices.Contains(own, m) {
					t.Errorf("%s/%s covers %s, which is not a method of model.%s", g.name, c.name, m, it.Name())
				}
			}
		}
		delete(groups, g.name)
	}
	for name := range groups {
		t.Errorf("model has %sOps, which no group of the suite checks", name)
	}
}
