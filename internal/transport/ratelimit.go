package transport

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is a request quota a vendor announces in the X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset headers (AltaBots, GPTBots and
// many gateways).
type RateLimit struct {
	// Limit is the quota for the current window, or -1 when not sent.
	Limit int
	// Remaining is what is left of it, or -1 when not sent.
	Remaining int
	// Reset is when the window starts again, or zero when not sent.
	Reset time.Time
}

// ParseRateLimit reads the X-RateLimit-* headers of h, or returns nil when
// none of them holds a number. Reset is read as a Unix time in seconds (or
// milliseconds, for values past the year 33658) when it is one, and
// otherwise as seconds from now: vendors use both forms under one name.
func ParseRateLimit(h http.Header, now time.Time) *RateLimit {
	rl := RateLimit{Limit: headerInt(h, "X-Ratelimit-Limit"), Remaining: headerInt(h, "X-Ratelimit-Remaining")}
	if reset := headerInt(h, "X-Ratelimit-Reset"); reset >= 0 {
		const unixFloor = 1_000_000_000 // 2001-09-09: no window is that long
		switch {
		case reset >= 1_000_000_000_000:
			rl.Reset = time.UnixMilli(int64(reset)).UTC()
		case reset >= unixFloor:
			rl.Reset = time.Unix(int64(reset), 0).UTC()
		default:
			rl.Reset = now.Add(time.Duration(reset) * time.Second)
		}
	}
	if rl.Limit < 0 && rl.Remaining < 0 && rl.Reset.IsZero() {
		return nil
	}
	return &rl
}

// headerInt is h's value for key as a non-negative int, or -1.
func headerInt(h http.Header, key string) int {
	v := strings.TrimSpace(h.Get(key))
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
