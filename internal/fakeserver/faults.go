package fakeserver

import (
	"fmt"
	"strings"
	"sync"
)

// Faults is a fake's queue of injected faults, the table behind every
// fake's FailNext. Each fault is a route, a value F that says what to
// answer (a status, or a status and when to answer it), and the number of
// requests it still answers. Faults of one route are used in the order they
// were added. The zero value is empty and ready; it is safe for concurrent
// use.
type Faults[F any] struct {
	mu   sync.Mutex
	list []*queuedFault[F]
}

type queuedFault[F any] struct {
	route string
	fault F
	left  int
}

// Add queues fault for the next n requests to route. n <= 0 adds nothing,
// as the fakes' FailNext documents.
func (q *Faults[F]) Add(route string, fault F, n int) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, &queuedFault[F]{route: route, fault: fault, left: n})
}

// Take returns the first fault queued for route that match accepts (any,
// when match is nil) and uses it up once. It reports false when there is
// none.
func (q *Faults[F]) Take(route string, match func(F) bool) (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.list {
		if f.route != route || (match != nil && !match(f.fault)) {
			continue
		}
		f.left--
		if f.left <= 0 {
			q.list = append(q.list[:i], q.list[i+1:]...)
		}
		return f.fault, true
	}
	var zero F
	return zero, false
}

// MustBeErrorStatus panics unless status is a 4xx or 5xx, with a message
// that starts with fn (such as "moveotest: FailNext"). A fake's FailNext
// panics on such a programming error of the test, as regexp.MustCompile
// and net/http/httptest do, rather than make every call site check an
// error.
func MustBeErrorStatus(fn string, status int) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("%s: status %d is not an error status", fn, status))
	}
}

// CanonicalRoute makes route names comparable whatever their parameters
// are called: the method is upper-cased and every path segment written
// ":name" or "{name}" becomes "{}", so "post /v1/x/:id" and
// "POST /v1/x/{conversationId}" are the same route.
func CanonicalRoute(name string) string {
	method, path, _ := strings.Cut(strings.TrimSpace(name), " ")
	segs := strings.Split(strings.TrimSpace(path), "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") || (strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")) {
			segs[i] = "{}"
		}
	}
	return strings.ToUpper(method) + " " + strings.Join(segs, "/")
}
