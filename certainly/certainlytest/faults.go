package certainlytest

import (
	"fmt"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Fault injection, per route. A fault answers before the request is
// processed, even before the Authorization check: the mode does not change
// and nothing is recorded, as when a proxy in front of Certainly refuses the
// request. Faults of one route are used in the order they were added.

// FailNext makes the next n requests to route (RouteConfig, RouteHandover,
// RouteSend or RouteTakeover) answer status with {"detail": "injected
// fault"}, without processing them. n <= 0 adds nothing. Like the other
// vendor fakes' FailNext (and regexp.MustCompile), it panics on a
// programming error of the test: a route that is not one of those, or a
// status that is not a 4xx or 5xx.
func (s *Server) FailNext(route string, status, n int) {
	switch route {
	case RouteConfig, RouteHandover, RouteSend, RouteTakeover:
	default:
		panic(fmt.Sprintf("certainlytest: FailNext: unknown route %q; want %q, %q, %q or %q",
			route, RouteConfig, RouteHandover, RouteSend, RouteTakeover))
	}
	fakeserver.MustBeErrorStatus("certainlytest: FailNext", status)
	s.faults.Add(route, status, n)
}
