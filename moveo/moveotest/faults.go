package moveotest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Fault injection, per route. A route is named by its method and its path
// with parameters in braces, as the Route constants spell them:
// "POST /v1/custom/{iid}/sessions/{sid}/messages". Parameter names do not
// matter ("{session_id}" and ":sid" work too). A fault answers before the
// request is processed, even before the apikey check: nothing is stored and
// no event fires, as when a gateway in front of Moveo refuses the request.
// Faults of one route are used in the order they were added.

// FailNext makes the next n requests to route answer status, with Moveo's
// error body ({"error_code": "internal_error", …} for a 5xx, and the code
// of that status otherwise), without processing them. n <= 0 adds
// nothing. Like the other vendor fakes' FailNext (and
// regexp.MustCompile), it panics on a programming error of the test: a
// route that is not one of the fake's, or a status that is not a 4xx or
// 5xx.
func (s *Server) FailNext(route string, status, n int) {
	fakeserver.MustBeErrorStatus("moveotest: FailNext", status)
	key := fakeserver.CanonicalRoute(route)
	if !s.routes[key] {
		panic(fmt.Sprintf("moveotest: FailNext: unknown route %q; routes look like %q", route, RouteSendMessage))
	}
	s.faults.Add(key, status, n)
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
