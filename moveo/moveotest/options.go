package moveotest

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

	webhookURL     string
	webhookSecret  string
	subscribed     []string
	sessionTimeout time.Duration
	brain          Brain
}

// DefaultSessionTimeout is Moveo's default session_timeout: 86400 seconds
// (moveo-api-notes.md, "Connection").
const DefaultSessionTimeout = 24 * time.Hour

// DefaultDeliverySchedule is the fake's reading of Moveo's delivery
// policy, "up to 5 retries with 250 ms – 2 s backoff" (moveo-api-notes.md,
// "Webhook security and delivery"): the waits before the five retries.
var DefaultDeliverySchedule = []time.Duration{
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second,
}

func defaultConfig() *config {
	return &config{
		sessionTimeout: DefaultSessionTimeout,
		Config: fakeserver.Config{
			Schedule:        slices.Clone(DefaultDeliverySchedule),
			DeliveryTimeout: 30 * time.Second, // "a 30 s timeout"
		},
	}
}

// WithWebhook sets the integration's webhook_url and webhook_secret. With
// secret "" deliveries carry no X-Moveo-Signature header, as Moveo sends
// them when no secret is configured. Server.SetWebhook changes both later.
// The fake accepts http:// and loopback URLs, so that an httptest.Server
// can receive deliveries.
func WithWebhook(webhookURL, secret string) Option {
	return func(c *config) error {
		if err := checkWebhookURL(webhookURL); err != nil {
			return fmt.Errorf("WithWebhook: %w", err)
		}
		c.webhookURL, c.webhookSecret = webhookURL, secret
		return nil
	}
}

// checkWebhookURL accepts "" (no webhook) or an absolute http(s) URL.
func checkWebhookURL(raw string) error {
	if raw != "" && !fakeserver.IsHTTPURL(raw) {
		return fmt.Errorf("%q is not an absolute http or https URL", raw)
	}
	return nil
}

// WithSubscribedEvents sets the integration's subscribed_events: only
// events of these types are delivered. None (the default) means all, as in
// Moveo. Events of other types are still recorded (Server.Events).
func WithSubscribedEvents(eventTypes ...string) Option {
	return func(c *config) error {
		for _, t := range eventTypes {
			if t == "" {
				return errors.New("WithSubscribedEvents: empty event type")
			}
		}
		c.subscribed = slices.Clone(eventTypes)
		return nil
	}
}

// WithSessionTimeout sets the integration's session_timeout: a session
// with no activity for d expires (default DefaultSessionTimeout). Moveo
// accepts 60 s to 1296000 s (15 days); the fake accepts any positive d so
// that tests can use short ones.
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithSessionTimeout: %s is not positive", d)
		}
		c.sessionTimeout = d
		return nil
	}
}

// WithClock makes the server read time from clock, usually one from
// NewClock that moves only when the test advances it. Without it the server
// follows the wall clock (and Server.Clock().Advance still moves it ahead).
func WithClock(clock *Clock) Option { return fakeserver.Lift[*config](fakeserver.WithClock(clock)) }

// WithDeliverySchedule sets the waits between webhook delivery attempts:
// after attempt n fails with a 5xx, a timeout or a network error, the next
// one is due backoffs[n-1] later on the server's Clock, so there are
// len(backoffs)+1 attempts in all (default DefaultDeliverySchedule, six
// attempts). With no backoffs a delivery is attempted once. A 4xx answer is
// never retried.
func WithDeliverySchedule(backoffs ...time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliverySchedule(backoffs...))
}

// WithDeliveryTimeout sets how long one delivery attempt may take (Moveo's
// is 30 s); an attempt that takes longer fails and is retried. It is real
// time, not the server's Clock.
func WithDeliveryTimeout(d time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryTimeout(d))
}

// WithDeliveryClient sends webhook deliveries through hc, for example one
// whose Transport reaches a receiver that is not on the network.
func WithDeliveryClient(hc *http.Client) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryClient(hc))
}

// WithLatency delays every answer of the API by d of real time, before the
// request is processed.
func WithLatency(d time.Duration) Option { return fakeserver.Lift[*config](fakeserver.WithLatency(d)) }

// WithBrain sets the AI agent that answers user messages (default
// EchoBrain). Server.SetBrain changes it later.
func WithBrain(b Brain) Option {
	return func(c *config) error {
		if b == nil {
			return errors.New("WithBrain: nil Brain")
		}
		c.brain = b
		return nil
	}
}

// WithLogger makes the server log each request and delivery attempt at
// debug level to logger. Keys and secrets are never logged. Without it the
// server is silent.
func WithLogger(logger *slog.Logger) Option {
	return fakeserver.Lift[*config](fakeserver.WithLogger(logger))
}
