// Package enum checks and parses the string-valued settings of the
// configuration (losses, priors, initialisers, policies): each such setting
// is a named string type whose values are listed once, next to what it
// configures, and these helpers give all of them the same error messages.
package enum

import (
	"fmt"
	"slices"
	"strings"
)

// Check returns nil when v is one of valid, and otherwise an error that
// names the setting (what), the value and the valid values:
// `unknown g-loss "x" (want non-saturating or minimax)`.
func Check[T ~string](what string, v T, valid ...T) error {
	if slices.Contains(valid, v) {
		return nil
	}
	return fmt.Errorf("unknown %s %q (want %s)", what, v, list(valid...))
}

// list joins values as prose: "a", "a or b", "a, b or c".
func list[T ~string](values ...T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Unmarshal sets *p to text when check accepts it, and leaves *p alone
// otherwise; it is the UnmarshalText of every enumerated setting.
func Unmarshal[T ~string](p *T, text []byte, check func(T) error) error {
	v := T(text)
	if err := check(v); err != nil {
		return err
	}
	*p = v
	return nil
}
