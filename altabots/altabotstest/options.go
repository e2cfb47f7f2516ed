package altabotstest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Option configures a Server. New returns an error for a bad option;
// NewServer fails the test.
type Option func(*config) error

type config struct {
	fakeserver.Config // clock, desk client and timeout, latency, logger

	apiKey        string
	deskURL       string
	deskAuth      func(*http.Request)
	paths         [endpointCount]string
	replyDeadline time.Duration
	rateLimit     int
	rateWindow    time.Duration
}

// DefaultReplyDeadline is AltaBots' default waiting time: after the desk
// accepted a conversation, it ends the handoff unless a reply arrives
// through /v1/human/message/receive within it (altabots-api-notes.md).
const DefaultReplyDeadline = altabots.WaitingTime

// The default quota, AltaBots' pro plan ("1000/hour", altabots-api-notes.md).
const (
	DefaultRateLimit  = 1000
	DefaultRateWindow = time.Hour
)

// DefaultDeskTimeout bounds one call to the desk, in real time. AltaBots
// documents none.
const DefaultDeskTimeout = 30 * time.Second

func defaultConfig() *config {
	return &config{
		Config: fakeserver.Config{DeliveryTimeout: DefaultDeskTimeout},
		paths: [endpointCount]string{
			altabots.DefaultEstablishPath, altabots.DefaultChatPath, altabots.DefaultClosePath,
		},
		replyDeadline: DefaultReplyDeadline,
		rateLimit:     DefaultRateLimit,
		rateWindow:    DefaultRateWindow,
	}
}

// WithAPIKey sets the key the server accepts as "Authorization: Bearer
// <key>" (by default a random one, which APIKey returns). It must not be
// empty or hold white space or control characters.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		switch {
		case key == "":
			return errors.New("WithAPIKey: key is empty")
		case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return errors.New("WithAPIKey: key holds white space or a control character")
		}
		c.apiKey = key
		return nil
	}
}

// WithDesk says where the desk under test serves AltaBots' three calls:
// the establish, chat and close paths (WithDeskPaths) are appended to
// baseURL, an absolute http or https URL that may have a path of its own
// (such as an httptest.Server's URL + altabots.CurlPathPrefix). auth, when
// not nil, is called on every request before it is sent (possibly from
// several goroutines at once), to add the credential the desk checks:
//
//	altabotstest.WithDesk(endpoint.URL, func(r *http.Request) {
//		r.Header.Set("Authorization", "Bearer "+deskToken)
//	})
//
// Without WithDesk the server still serves AltaBots' API, but Escalate
// returns ErrNoDesk.
func WithDesk(baseURL string, auth func(*http.Request)) Option {
	return func(c *config) error {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("WithDesk: baseURL %q is not an absolute http or https URL without query or fragment", baseURL)
		}
		if u.User != nil {
			return errors.New("WithDesk: baseURL holds credentials: set them in the auth function instead")
		}
		c.deskURL, c.deskAuth = strings.TrimRight(baseURL, "/"), auth
		return nil
	}
}

// WithDeskPaths sets the paths of the desk's establish, chat and close
// endpoints under WithDesk's baseURL (by default the handoff page's
// table: altabots.DefaultEstablishPath, DefaultChatPath and
// DefaultClosePath). Each must start with "/", and they must differ.
func WithDeskPaths(establish, chat, close string) Option {
	return func(c *config) error {
		paths := [endpointCount]string{establish, chat, close}
		for i, p := range paths {
			if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# \t\r\n") {
				return fmt.Errorf("WithDeskPaths: %s path %q must start with \"/\" and hold no query, fragment or space", endpointNames[i], p)
			}
		}
		if establish == chat || establish == close || chat == close {
			return errors.New("WithDeskPaths: the three paths must differ")
		}
		c.paths = paths
		return nil
	}
}

// WithReplyDeadline sets how long after the desk accepted a conversation
// its first reply may take (DefaultReplyDeadline, 60 seconds, by default).
// d must be positive.
func WithReplyDeadline(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithReplyDeadline: %s is not positive", d)
		}
		c.replyDeadline = d
		return nil
	}
}

// WithRateLimit sets the API key's quota: limit calls per window on the
// server's Clock (DefaultRateLimit per DefaultRateWindow by default).
// Both must be positive. See the package doc for how the window counts.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) error {
		switch {
		case limit <= 0:
			return fmt.Errorf("WithRateLimit: limit %d is not positive", limit)
		case window <= 0:
			return fmt.Errorf("WithRateLimit: window %s is not positive", window)
		}
		c.rateLimit, c.rateWindow = limit, window
		return nil
	}
}

// WithClock makes the server read time from clock, usually one from
// NewClock that moves only when the test advances it. Without it the
// server follows the wall clock (and Server.Clock().Advance still moves
// it ahead).
func WithClock(clock *Clock) Option { return fakeserver.Lift[*config](fakeserver.WithClock(clock)) }

// WithDeskClient sends the calls to the desk through hc, for example one
// whose Transport reaches a handler that is not on the network.
func WithDeskClient(hc *http.Client) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryClient(hc))
}

// WithDeskTimeout bounds each call to the desk, in real time
// (DefaultDeskTimeout by default); a call that takes longer fails.
func WithDeskTimeout(d time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryTimeout(d))
}

// WithLatency delays every answer of the API by d of real time, before the
// request is processed.
func WithLatency(d time.Duration) Option { return fakeserver.Lift[*config](fakeserver.WithLatency(d)) }

// WithLogger makes the server log each request it answers and each call
// it makes to the desk at debug level to logger. Keys and credentials are
// never logged. Without it the server is silent.
func WithLogger(logger *slog.Logger) Option {
	return fakeserver.Lift[*config](fakeserver.WithLogger(logger))
}
