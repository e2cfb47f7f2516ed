package certainlytest

import (
	"fmt"
	"sync"
)

// Fault injection, per route. A fault answers before the request is
// processed, even before the Authorization check: the mode does not change
// and nothing is recorded, as when a proxy in front of Certainly refuses the
// request. Faults of one route are used in the order they were added.

type fault struct {
	route  string
	status int
	left   int
}

type faults struct {
	mu   sync.Mutex
	list []*fault
}

// take returns the status of the next fault for route and uses it up once.
func (f *faults) take(route string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.list {
		if ft.route != route {
			continue
		}
		ft.left--
		if ft.left <= 0 {
			f.list = append(f.list[:i], f.list[i+1:]...)
		}
		return ft.status, true
	}
	return 0, false
}

// FailNext makes the next n requests to route (RouteConfig, RouteHandover,
// RouteSend or RouteTakeover) answer status with {"detail": "injected
// fault"}, without processing them. n <= 0 adds nothing. Like
// regexp.MustCompile, it panics on a programming error of the test: a
// route that is not one of those, or a status that is not a 4xx or 5xx.
func (s *Server) FailNext(route string, status, n int) {
	switch route {
	case RouteConfig, RouteHandover, RouteSend, RouteTakeover:
	default:
		panic(fmt.Sprintf("certainlytest: FailNext: unknown route %q; want %q, %q, %q or %q",
			route, RouteConfig, RouteHandover, RouteSend, RouteTakeover))
	}
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("certainlytest: FailNext: status %d is not an error status", status))
	}
	if n <= 0 {
		return
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &fault{route: route, status: status, left: n})
}
