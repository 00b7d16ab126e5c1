package main

import (
	"fmt"
	"slices"
	"time"
)

// rtt times round trips one at a time: PING -> PONG, then JEU echo ->
// JEU echo through the echo plugin, so the cost of the plugin hop shows.
func rtt(srv *server, o options) ([]Result, error) {
	c, err := register(srv.addr, "pinger", 1)
	if err != nil {
		return nil, err
	}
	measure := func(name, send, want string) (Result, error) {
		samples := make([]int64, 0, o.rounds)
		for i := 0; i < o.rounds; i++ {
			start := time.Now()
			if err := c.send(send); err != nil {
				return Result{}, err
			}
			if _, err := c.expect(want); err != nil {
				return Result{}, err
			}
			samples = append(samples, time.Since(start).Nanoseconds())
		}
		slices.Sort(samples)
		at := func(q float64) float64 { return float64(samples[int(q*float64(len(samples)-1))]) / 1e3 }
		return Result{Scenario: name, Params: fmt.Sprintf("rounds=%d", o.rounds), Messages: int64(o.rounds),
			LatencyP50Micros: at(0.5), LatencyP99Micros: at(0.99), LatencyMaxMicros: float64(samples[len(samples)-1]) / 1e3,
			ServerRSSKiB: srv.rssKiB()}, nil
	}
	ping, err := measure("rtt-ping", "PING x", "PONG x")
	if err != nil {
		return nil, err
	}
	jeu, err := measure("rtt-jeu", "JEU echo x", "JEU echo x")
	if err != nil {
		return nil, err
	}
	if ping.LatencyP50Micros > 0 {
		jeu.Params += fmt.Sprintf(" p50=%.1fx ping", jeu.LatencyP50Micros/ping.LatencyP50Micros)
	}
	return []Result{ping, jeu}, nil
}
