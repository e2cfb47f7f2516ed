package munintest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate limits (munin-api-reference.md §1, §7), on the server's Clock.
//
// Widget routes: NestJS's throttler with two windows, "public-minute" (60)
// and "public-hour" (1000), counted per route and per (widget key,
// channelId, client IP). Each hit counts for one window length (the
// throttler's in-memory store expires hits one by one); once over the
// limit, the tracker is blocked for a window length. Requests the handler
// then refuses (403) still count.
//
// MCP: 60 HTTP requests per minute per org in a fixed window that starts
// with the first request, then 1000 tool calls per UTC day per org.

type throttleWindow struct {
	name  string // "Public-Minute", "Public-Hour"
	ttl   time.Duration
	limit int
}

type throttleState struct {
	hits         []time.Time
	blockedUntil time.Time
}

type rateLimiter struct {
	mu      sync.Mutex
	windows []throttleWindow
	state   map[string]*throttleState // route|window|tracker

	mcpPerMinute int
	mcpPerDay    int
	mcpStart     time.Time
	mcpCount     int
	mcpDay       string
	mcpDayCount  int
}

func newRateLimiter(cfg *config) *rateLimiter {
	return &rateLimiter{
		windows: []throttleWindow{
			{"Public-Minute", time.Minute, cfg.perMinute},
			{"Public-Hour", time.Hour, cfg.perHour},
		},
		state:        map[string]*throttleState{},
		mcpPerMinute: cfg.mcpPerMinute,
		mcpPerDay:    cfg.mcpPerDay,
	}
}

// throttle counts a widget request. It returns the 429 to answer, or nil
// and sets the x-ratelimit headers of a normal answer.
func (l *rateLimiter) throttle(now time.Time, route, tracker string, h http.Header) *apiError {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.windows {
		if w.limit <= 0 {
			continue
		}
		key := route + "|" + w.name + "|" + tracker
		st := l.state[key]
		if st == nil {
			st = &throttleState{}
			l.state[key] = st
		}
		kept := st.hits[:0]
		for _, t := range st.hits {
			if now.Sub(t) < w.ttl {
				kept = append(kept, t)
			}
		}
		st.hits = kept
		if now.Before(st.blockedUntil) {
			return errThrottled(w.name, ceilSeconds(st.blockedUntil.Sub(now)))
		}
		st.hits = append(st.hits, now)
		if len(st.hits) > w.limit {
			st.blockedUntil = now.Add(w.ttl)
			return errThrottled(w.name, ceilSeconds(w.ttl))
		}
		reset := w.ttl - now.Sub(st.hits[0])
		h.Set("X-RateLimit-Limit-"+w.name, strconv.Itoa(w.limit))
		h.Set("X-RateLimit-Remaining-"+w.name, strconv.Itoa(w.limit-len(st.hits)))
		h.Set("X-RateLimit-Reset-"+w.name, strconv.Itoa(ceilSeconds(reset)))
	}
	return nil
}

// mcpRequest counts one MCP HTTP request against the burst limit.
func (l *rateLimiter) mcpRequest(now time.Time) *apiError {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mcpPerMinute <= 0 {
		return nil
	}
	if l.mcpStart.IsZero() || !now.Before(l.mcpStart.Add(time.Minute)) {
		l.mcpStart, l.mcpCount = now, 1
		return nil
	}
	if l.mcpCount >= l.mcpPerMinute {
		return errBurst(l.mcpPerMinute, ceilSeconds(l.mcpStart.Add(time.Minute).Sub(now)))
	}
	l.mcpCount++
	return nil
}

// mcpToolCall counts one tool call against the daily quota; the refusal is
// a tool error, not an HTTP one (§1).
func (l *rateLimiter) mcpToolCall(now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mcpPerDay <= 0 {
		return nil
	}
	day := now.UTC().Format(time.DateOnly)
	if day != l.mcpDay {
		l.mcpDay, l.mcpDayCount = day, 0
	}
	l.mcpDayCount++
	if l.mcpDayCount > l.mcpPerDay {
		midnight := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		return newError(http.StatusTooManyRequests, fmt.Sprintf(
			"rate_limited: exceeded %d MCP calls per day for this org. Retry in %ds.", l.mcpPerDay, ceilSeconds(midnight.Sub(now))))
	}
	return nil
}

// errBurst is the MCP burst guard's 429 (§1, §8).
func errBurst(limit, retry int) *apiError {
	return &apiError{
		status: http.StatusTooManyRequests, shape: shapeMCPBurst, code: "mcp_burst_limited", retry: retry,
		message: fmt.Sprintf("mcp_burst_limited: exceeded %d MCP calls per minute on this replica. Retry in %ds.", limit, retry),
	}
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// clientIP is the request's remote address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
