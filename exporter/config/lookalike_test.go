package config

import "testing"

func TestLookalike(t *testing.T) {
	for _, c := range []struct {
		key  string
		want bool
	}{
		{"type", true}, {"Type", true}, {"typ", true}, {"tpye", true}, {"typee", true}, {"tyoe", true}, {"ype", true},
		{"types", true}, {"kind", false}, {"name", false}, {"path", false}, {"mode", false}, {"ty", false}, {"", false},
	} {
		if got := lookalike(c.key, "type"); got != c.want {
			t.Errorf("lookalike(%q, type) = %v, want %v", c.key, got, c.want)
		}
	}
}
