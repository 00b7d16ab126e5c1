package chat

import (
	"fmt"
	"testing"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/time/rate"
)

// Registration allowances expire by age, whatever the number of addresses:
// an address at its limit stays refused while thousands of others register
// (the table used to be emptied whole once it held 10,000 addresses).
func TestRegistrationAllowancesExpireByAge(t *testing.T) {
	opts := Options{Log: hclog.NewNullLogger(), RegistrationsPerHour: 1}
	opts.defaults()
	h := &Hub{opts: opts, buckets: map[int64]*bucket{}, registrations: map[string]*rate.Limiter{}}
	if !h.mayRegister("192.0.2.1", true) {
		t.Fatal("the first registration of an address was refused")
	}
	for i := range 12000 {
		h.mayRegister(fmt.Sprintf("10.%d.%d.1", i/256, i%256), true)
	}
	h.forgetAllowances()
	if h.mayRegister("192.0.2.1", true) {
		t.Fatal("an address at its limit may register again after the table was tidied")
	}
	if len(h.registrations) < 12000 {
		t.Fatalf("tidying forgot addresses that registered within the hour: %d left", len(h.registrations))
	}
}
