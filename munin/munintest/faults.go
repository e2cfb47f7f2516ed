package munintest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Fault injection, per route. A route is named by its method and the path
// as munin-api-reference.md writes it: "POST /v1/widget/messages",
// "POST /v1/conversations/:id/messages", "POST /mcp". Parameters may be
// written ":id", ":conversationId" or "{id}"; they match any value.
//
// A fault "before" answers without processing: nothing is stored and no
// event fires, as when a proxy or Munin's throttler refuses a request. A
// fault "after commit" processes the request (rows stored, events emitted,
// webhooks queued) and then answers the fault instead of the real answer, as
// when a gateway times out after Munin committed: the way to prove that a
// retry is idempotent. Faults of one route are used in the order they were
// added.

// faultKind is what a fault does: answer status (drop: close the
// connection), before processing or after commit.
type faultKind struct {
	status int
	after  bool
}

// takeFault returns the next fault for route at this stage and uses it up
// once.
func (s *Server) takeFault(route string, after bool) (faultKind, bool) {
	return s.faults.Take(fakeserver.CanonicalRoute(route), func(f faultKind) bool { return f.after == after })
}

// FailNext makes the next n requests to route answer status without being
// processed. A 429 carries the throttler's body and a
// retry-after-public-minute header of 1 second, so that a client obeying it
// retries quickly (on "POST /mcp", the mcp_burst_limited body instead); a
// 500 gets Munin's "Internal server error" body and any other status
// NestJS's error body for it. It panics if route is not one of the fake's
// routes or status is not an HTTP status (use DropNext to drop the
// connection).
func (s *Server) FailNext(route string, status, n int) {
	mustBeStatus("FailNext", status)
	s.addFault(route, status, n, false, "FailNext")
}

// FailNextAfterCommit makes the next n requests to route be processed in
// full — stored, events emitted, webhooks queued — and then answer status
// (such as 502) instead of the real answer. It panics as FailNext does.
func (s *Server) FailNextAfterCommit(route string, status, n int) {
	mustBeStatus("FailNextAfterCommit", status)
	s.addFault(route, status, n, true, "FailNextAfterCommit")
}

// mustBeStatus panics unless status is an HTTP status: 0 would silently
// mean a dropped connection.
func mustBeStatus(fn string, status int) {
	if status < 100 || status > 599 {
		panic(fmt.Sprintf("munintest: %s: status %d is not an HTTP status", fn, status))
	}
}

// DropNext makes the server close the connection of the next n requests to
// route without processing them or answering: the client sees a
// connection reset or EOF. It panics if route is not one of the fake's
// routes.
func (s *Server) DropNext(route string, n int) {
	s.addFault(route, drop, n, false, "DropNext")
}

// DropNextAfterCommit processes the next n requests to route in full and
// then closes the connection without answering. It panics if route is not
// one of the fake's routes.
func (s *Server) DropNextAfterCommit(route string, n int) {
	s.addFault(route, drop, n, true, "DropNextAfterCommit")
}

// drop is the status of a fault that closes the connection.
const drop = 0

func (s *Server) addFault(route string, status, n int, after bool, fn string) {
	key := fakeserver.CanonicalRoute(route)
	if _, ok := s.routes[key]; !ok {
		panic(fmt.Sprintf("munintest: %s: unknown route %q; routes look like \"POST /v1/widget/messages\" or \"POST /v1/conversations/:id/messages\"", fn, route))
	}
	s.faults.Add(key, faultKind{status: status, after: after}, n)
}

// injectFault answers f and returns the status recorded for the request (0
// for a dropped connection).
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, route string, f faultKind) int {
	if f.status == drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return 0
			}
		}
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	var e *apiError
	switch {
	case f.status == http.StatusTooManyRequests && strings.HasSuffix(route, " /mcp"):
		e = errBurst(s.cfg.mcpPerMinute, 60)
	case f.status == http.StatusTooManyRequests:
		e = errThrottled("Public-Minute", 1) // short, so a client's retry is quick
	case f.status == http.StatusInternalServerError:
		e = errInternal("injected fault")
	default:
		e = newError(f.status, statusName(f.status))
	}
	s.writeError(w, e)
	return f.status
}
