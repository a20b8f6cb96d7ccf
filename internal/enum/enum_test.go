package enum

import "testing"

type color string

func TestCheckListsTheValidValues(t *testing.T) {
	for _, c := range []struct {
		valid []color
		want  string
	}{
		{[]color{"red"}, `unknown color "blue" (want red)`},
		{[]color{"red", "green"}, `unknown color "blue" (want red or green)`},
		{[]color{"red", "green", "cyan"}, `unknown color "blue" (want red, green or cyan)`},
	} {
		err := Check("color", color("blue"), c.valid...)
		if err == nil || err.Error() != c.want {
			t.Errorf("Check(blue, %v) = %v, want %q", c.valid, err, c.want)
		}
		if err := Check("color", c.valid[0], c.valid...); err != nil {
			t.Errorf("Check(%s, %v) = %v, want nil", c.valid[0], c.valid, err)
		}
	}
}

func TestUnmarshalLeavesTheValueOnError(t *testing.T) {
	check := func(c color) error { return Check("color", c, "red", "green") }
	c := color("red")
	if err := Unmarshal(&c, []byte("blue"), check); err == nil || c != "red" {
		t.Errorf("Unmarshal(blue): %v, value %q; want an error and red kept", err, c)
	}
	if err := Unmarshal(&c, []byte("green"), check); err != nil || c != "green" {
		t.Errorf("Unmarshal(green): %v, value %q; want green", err, c)
	}
}
