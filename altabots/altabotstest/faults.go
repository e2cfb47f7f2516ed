package altabotstest

import (
	"fmt"
	"strings"
	"sync"
)

// Fault injection, per route. A fault answers before the request is
// processed, even before the API key and the quota are checked: nothing is
// recorded on a conversation and nothing counts against the quota, as when
// a gateway in front of AltaBots refuses the request. Faults of one route
// are used in the order they were added.

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

// FailNext makes the next n requests to route — RouteMessageReceive or
// RouteClose, with or without the method ("/v1/human/close" works too) —
// answer status, with the body {"code": status×100, "message": "injected
// fault"} and no Retry-After, without processing them. It returns an
// error naming the parameter for a route that is not one of the two, a
// status that is not 400–599, or n below 1.
func (s *Server) FailNext(route string, status, n int) error {
	key, ok := routeNamed(route)
	switch {
	case !ok:
		return fmt.Errorf("altabotstest: FailNext: route %q is neither %q nor %q", route, RouteMessageReceive, RouteClose)
	case status < 400 || status > 599:
		return fmt.Errorf("altabotstest: FailNext: status %d is not a 4xx or 5xx", status)
	case n < 1:
		return fmt.Errorf("altabotstest: FailNext: n %d is below 1", n)
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &fault{route: key, status: status, left: n})
	return nil
}

// routeNamed returns the route a FailNext argument names.
func routeNamed(name string) (string, bool) {
	name = strings.TrimSpace(name)
	method, path, found := strings.Cut(name, " ")
	if !found {
		method, path = "POST", name
	}
	switch key := strings.ToUpper(method) + " " + strings.TrimSpace(path); key {
	case RouteMessageReceive, RouteClose:
		return key, true
	}
	return "", false
}
