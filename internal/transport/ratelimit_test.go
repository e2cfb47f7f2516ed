package transport

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for name, tc := range map[string]struct {
		h    http.Header
		want *RateLimit
	}{
		"none":           {header(), nil},
		"not numbers":    {header("X-RateLimit-Limit", "lots", "X-RateLimit-Reset", "-3"), nil},
		"seconds":        {header("X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "90"), &RateLimit{1000, 0, now.Add(90 * time.Second)}},
		"unix seconds":   {header("X-RateLimit-Limit", "100", "X-RateLimit-Reset", "1795939200"), &RateLimit{100, -1, time.Unix(1795939200, 0).UTC()}},
		"unix millis":    {header("X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "1795939200123"), &RateLimit{-1, 7, time.UnixMilli(1795939200123).UTC()}},
		"only remaining": {header("x-ratelimit-remaining", " 3 "), &RateLimit{-1, 3, time.Time{}}},
	} {
		assert.Equal(t, tc.want, ParseRateLimit(tc.h, now), name)
	}
}

func TestAPIErrorRateLimit(t *testing.T) {
	t.Parallel()
	e := &APIError{Vendor: "altabots", Method: "POST", Path: "/v1/human/close", StatusCode: 429,
		Code: "42900", Message: "too many requests", RetryAfter: time.Minute,
		RateLimit: &RateLimit{Limit: 100, Remaining: 0}}
	assert.Equal(t, "altabots: POST /v1/human/close: 429 42900: too many requests (retry after 1m0s, rate limit 0/100 left)", e.Error())
	assert.ErrorIs(t, e, ErrRateLimited)
}
