package moveotest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Fault injection, per route. A route is named by its method and its path
// with parameters in braces, as the Route constants spell them:
// "POST /v1/custom/{iid}/sessions/{sid}/messages". Parameter names do not
// matter ("{session_id}" and ":sid" work too). A fault answers before the
// request is processed, even before the apikey check: nothing is stored and
// no event fires, as when a gateway in front of Moveo refuses the request.
// Faults of one route are used in the order they were added.

type fault struct {
	route  string // canonical
	status int
	left   int
}

type faults struct {
	mu   sync.Mutex
	list []*fault
}

// take returns the status of the next fault for route and uses it up once.
func (f *faults) take(route string) (int, bool) {
	key := canonicalRoute(route)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.list {
		if ft.route != key {
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

// FailNext makes the next n requests to route answer status, with Moveo's
// error body ({"error_code": "internal_error", …} for a 5xx, and the code
// of that status otherwise), without processing them. It panics if route is
// not one of the fake's routes or status is not a 4xx or 5xx.
func (s *Server) FailNext(route string, status, n int) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("moveotest: FailNext: status %d is not an error status", status))
	}
	key := canonicalRoute(route)
	if !s.routes[key] {
		panic(fmt.Sprintf("moveotest: FailNext: unknown route %q; routes look like %q", route, RouteSendMessage))
	}
	if n <= 0 {
		return
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &fault{route: key, status: status, left: n})
}

// injected is the answer of a fault.
func injected(status int) *apiError {
	code := map[int]string{
		http.StatusBadRequest:   "invalid_payload",
		http.StatusUnauthorized: "unauthorized",
		http.StatusNotFound:     "session_not_found",
	}[status]
	switch {
	case code != "":
	case status >= 500:
		code = "internal_error"
	default:
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
		if code == "" {
			code = "error"
		}
	}
	return &apiError{status: status, code: code, message: "injected fault"}
}

// canonicalRoute makes route names comparable whatever the parameters are
// called.
func canonicalRoute(name string) string {
	method, path, _ := strings.Cut(strings.TrimSpace(name), " ")
	segs := strings.Split(strings.TrimSpace(path), "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") || (strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")) {
			segs[i] = "{}"
		}
	}
	return strings.ToUpper(method) + " " + strings.Join(segs, "/")
}
