package altabotstest

import (
	"fmt"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Fault injection, per route. A fault answers before the request is
// processed, even before the API key and the quota are checked: nothing is
// recorded on a conversation and nothing counts against the quota, as when
// a gateway in front of AltaBots refuses the request. Faults of one route
// are used in the order they were added.

// FailNext makes the next n requests to route — RouteMessageReceive or
// RouteClose, with or without the method ("/v1/human/close" works too) —
// answer status, with the body {"code": status×100, "message": "injected
// fault"} and no Retry-After, without processing them. n <= 0 adds
// nothing. Like the other vendor fakes' FailNext (and regexp.MustCompile),
// it panics on a programming error of the test: a route that is not one of
// the two, or a status that is not a 4xx or 5xx.
func (s *Server) FailNext(route string, status, n int) {
	key, ok := routeNamed(route)
	if !ok {
		panic(fmt.Sprintf("altabotstest: FailNext: unknown route %q; want %q or %q", route, RouteMessageReceive, RouteClose))
	}
	fakeserver.MustBeErrorStatus("altabotstest: FailNext", status)
	s.faults.Add(key, status, n)
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
