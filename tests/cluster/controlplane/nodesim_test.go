package main

import (
	"testing"
	"time"
)

func TestBehaviourRunning(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		b       behaviour
		elapsed time.Duration
		want    bool
	}{
		{"no duration ends at the next step", behaviour{}, 0, false},
		{"held runs however long", behaviour{Hold: true}, time.Hour, true},
		{"held wins over a passed duration", behaviour{Hold: true, Seconds: 1}, 2 * time.Second, true},
		{"before its seconds it runs", behaviour{Seconds: 2.5}, 2499 * time.Millisecond, true},
		{"at its seconds it ends", behaviour{Seconds: 2.5}, 2500 * time.Millisecond, false},
		{"after its seconds it ends", behaviour{Seconds: 2.5}, 3 * time.Second, false},
	}
	for _, c := range cases {
		if got := c.b.running(start, start.Add(c.elapsed)); got != c.want {
			t.Errorf("%s: running after %v = %v, want %v", c.name, c.elapsed, got, c.want)
		}
	}
}
