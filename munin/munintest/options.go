package munintest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Option configures a Server. New returns an error for a bad option;
// NewServer fails the test.
type Option func(*config) error

type config struct {
	fakeserver.Config // clock, delivery schedule, latency, logger

	origins      []string
	perMinute    int
	perHour      int
	mcpPerMinute int
	mcpPerDay    int
}

// DefaultOrigin is the default channel's origin allowlist when WithOrigins
// is not given.
const DefaultOrigin = "https://shop.example"

func defaultConfig() *config {
	deliveryClient := fakeserver.NewDeliveryClient()
	deliveryClient.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
		if len(via) > 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}
	return &config{
		origins:      []string{DefaultOrigin},
		perMinute:    60,   // MUNIN_PUBLIC_THROTTLE_MIN
		perHour:      1000, // MUNIN_PUBLIC_THROTTLE_HOUR
		mcpPerMinute: 60,   // MUNIN_MCP_BURST_PER_MIN
		mcpPerDay:    1000, // rateLimits.perDay
		Config: fakeserver.Config{
			Schedule:        []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 240 * time.Second},
			DeliveryTimeout: 15 * time.Second,
			DeliveryClient:  deliveryClient, // WithDeliveryClient replaces it
		},
	}
}

// WithOrigins sets the origin allowlist of the channel the server creates at
// start (default DefaultOrigin). Each must be an absolute http or https URL;
// Munin compares origins as scheme, host and port.
func WithOrigins(origins ...string) Option {
	return func(c *config) error {
		if len(origins) == 0 {
			return errors.New("WithOrigins: no origins (Munin refuses an empty allowlist)")
		}
		for _, o := range origins {
			if !fakeserver.IsHTTPURL(o) {
				return fmt.Errorf("WithOrigins: %q is not an http or https origin", o)
			}
		}
		c.origins = slices.Clone(origins)
		return nil
	}
}

// WithClock makes the server read time from clock, usually one from
// NewClock that moves only when the test advances it. Without it the server
// follows the wall clock (and Server.Clock().Advance still moves it ahead).
func WithClock(clock *Clock) Option { return fakeserver.Lift[*config](fakeserver.WithClock(clock)) }

// WithRateLimit sets the widget routes' limits per route and per (widget
// key, channel, client IP): perMinute and perHour requests (Munin's defaults
// are 60 and 1000). Zero turns a window off.
func WithRateLimit(perMinute, perHour int) Option {
	return func(c *config) error {
		if perMinute < 0 || perHour < 0 {
			return fmt.Errorf("WithRateLimit(%d, %d): negative limit", perMinute, perHour)
		}
		c.perMinute, c.perHour = perMinute, perHour
		return nil
	}
}

// WithMCPRateLimit sets MCP's limits: perMinute HTTP requests on /mcp per
// org (Munin's default 60; over it, HTTP 429 mcp_burst_limited) and perDay
// tool calls per UTC day (default 1000; over it, a tool error
// "rate_limited: …"). Zero turns a limit off. A test that makes many MCP
// calls on one server may need a higher per-minute limit, as it would
// against Munin.
func WithMCPRateLimit(perMinute, perDay int) Option {
	return func(c *config) error {
		if perMinute < 0 || perDay < 0 {
			return fmt.Errorf("WithMCPRateLimit(%d, %d): negative limit", perMinute, perDay)
		}
		c.mcpPerMinute, c.mcpPerDay = perMinute, perDay
		return nil
	}
}

// WithDeliverySchedule sets the waits between webhook delivery attempts:
// after attempt n fails, the next one is due backoffs[n-1] later on the
// server's Clock, and there are len(backoffs)+1 attempts in all. Munin's is
// 30 s, 60 s, 120 s, 240 s (five attempts), with up to 10 % jitter that the
// fake leaves out. With no backoffs a delivery is attempted once.
func WithDeliverySchedule(backoffs ...time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliverySchedule(backoffs...))
}

// WithDeliveryTimeout sets how long one delivery attempt may take (Munin's
// is 15 s); an attempt that takes longer fails and is retried. It is real
// time, not the server's Clock.
func WithDeliveryTimeout(d time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryTimeout(d))
}

// WithDeliveryClient sends webhook deliveries through hc, for example one
// whose Transport reaches a receiver that is not on the network. The
// client's Timeout and CheckRedirect are left as they are.
func WithDeliveryClient(hc *http.Client) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryClient(hc))
}

// WithLatency delays every answer by d of real time, before the request is
// processed.
func WithLatency(d time.Duration) Option { return fakeserver.Lift[*config](fakeserver.WithLatency(d)) }

// WithLogger makes the server log each request and delivery attempt at
// debug level to logger. Keys and secrets are never logged. Without it the
// server is silent.
func WithLogger(logger *slog.Logger) Option {
	return fakeserver.Lift[*config](fakeserver.WithLogger(logger))
}
