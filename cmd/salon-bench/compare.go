package main

import (
	"fmt"
	"slices"
)

// The on/off comparisons of issue 14: the same load against two fresh
// servers that differ in one thing, run back to back and alternated
// -pairs times, so that the host's drift from one minute to the next
// weighs on both sides alike.

// fanoutTags compares fan-out with the tag prefix on every member's
// connection against fan-out without it, each on a fresh server with no
// plugin.
func fanoutTags(o options) ([]Result, error) {
	return comparePairs(o, "fanout-tags", func(o options, on bool) (Result, error) {
		srv, err := startServer(o, "")
		if err != nil {
			return Result{}, err
		}
		defer srv.stop()
		return fanoutTagged(srv, o, on)
	})
}

// storeIndex compares stored messages a second with the full-text index
// (salond as built) against a salond built without its triggers
// (-salond-noindex, the salon_bench_noindex build tag): the index's share
// of the commit path.
func storeIndex(o options) ([]Result, error) {
	return comparePairs(o, "store-index", func(o options, on bool) (Result, error) {
		so := o
		if !on {
			so.salond = o.salondNoIndex
		}
		srv, err := startServer(so, "")
		if err != nil {
			return Result{}, err
		}
		defer srv.stop()
		return storeScenario(srv, so)
	})
}

// comparePairs runs one(false) then one(true) o.pairs times, names the
// rows name-off and name-on, and gives each "on" row its ratio to the
// "off" row before it. Several short pairs rather than one long one: on a
// virtual machine whose host drifts, one pair of 10 s moved by tens of
// percent, the median of eight of 4 s by a few (docs/performance.md).
// one runs with o.duration set to o.pairDuration.
func comparePairs(o options, name string, one func(o options, on bool) (Result, error)) ([]Result, error) {
	o.duration = o.pairDuration
	var rows []Result
	var ratios []float64
	for range max(o.pairs, 1) {
		off, err := one(o, false)
		if err != nil {
			return nil, fmt.Errorf("off: %w", err)
		}
		off.Scenario = name + "-off"
		on, err := one(o, true)
		if err != nil {
			return nil, fmt.Errorf("on: %w", err)
		}
		on.Scenario = name + "-on"
		if off.PerSecond > 0 {
			ratios = append(ratios, on.PerSecond/off.PerSecond)
			on.Params += fmt.Sprintf(" on/off=%.3f", ratios[len(ratios)-1])
		}
		rows = append(rows, off, on)
	}
	if len(ratios) > 1 {
		// The host's drift moves single pairs by tens of percent; the
		// median of several is the figure to read.
		slices.Sort(ratios)
		fmt.Printf("%s: on/off %.3f (median of %d pairs), from %.3f to %.3f\n", name,
			ratios[len(ratios)/2], len(ratios), ratios[0], ratios[len(ratios)-1])
	}
	return rows, nil
}
