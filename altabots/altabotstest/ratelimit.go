package altabotstest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter is the API key's quota: a fixed window that starts with the
// first counted call and lasts window on the server's Clock; the next call
// after it starts a new one. AltaBots documents quotas by plan and the
// X-RateLimit-* headers, not how its windows move.
type rateLimiter struct {
	limit  int
	window time.Duration

	mu    sync.Mutex
	start time.Time
	used  int
}

// take counts one call at now and sets the X-RateLimit-* headers of the
// answer: Limit, Remaining, and Reset as the seconds until the window
// ends. When the quota is spent it returns false and the Retry-After to
// send, in seconds.
func (l *rateLimiter) take(now time.Time, h http.Header) (ok bool, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.start.IsZero() || !now.Before(l.start.Add(l.window)) {
		l.start, l.used = now, 0
	}
	reset := ceilSeconds(l.start.Add(l.window).Sub(now))
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Reset", strconv.Itoa(reset))
	if l.used >= l.limit {
		h.Set("X-RateLimit-Remaining", "0")
		return false, reset
	}
	l.used++
	h.Set("X-RateLimit-Remaining", strconv.Itoa(l.limit-l.used))
	return true, 0
}

// ceilSeconds rounds d up to whole seconds, at least 1 for a positive d.
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
