package munin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Option configures a Client or a WidgetClient. Options are checked when the
// client is built: a bad value is an error from the constructor.
type Option func(*settings) error

// WithBaseURL sets Munin's address, such as "http://localhost:3001" for a
// self-hosted Munin or a munintest server's URL. A path in it is kept:
// requests go to <base>/v1/….
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error { return s.config.SetBaseURL(baseURL) }
}

// WithPathPrefix puts prefix between the base URL and "v1/", for a
// deployment that still serves the API under "/api/v1" as the older Munin
// pages show ("api"). Current Munin serves "/v1" with no prefix.
func WithPathPrefix(prefix string) Option {
	return func(s *settings) error {
		p := strings.Trim(prefix, "/")
		if p == "" {
			return errors.New("WithPathPrefix: empty prefix")
		}
		if strings.ContainsAny(p, "?#") {
			return fmt.Errorf("WithPathPrefix %q: must be a path", prefix)
		}
		s.prefix = p
		return nil
	}
}

// WithHTTPClient sends requests through hc (for example one whose Transport
// is an httpmock or a proxy). The client is copied, never changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error { return s.config.SetHTTPClient(hc) }
}

// WithLogger makes the client write debug lines about attempts and retries
// to logger. Without it the client is silent. Keys never reach the log.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) error { return s.config.SetLogger(logger) }
}

// WithUserAgent puts product (such as "storefront-bot/1.2") in front of
// botbridge's own User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error { return s.config.SetUserAgent(product) }
}

// WithRetry sets how many times a failed call is retried (0 turns retries
// off) and the longest wait between two attempts, Munin's
// retry-after-public-minute included: a 429 that asks for longer is
// returned at once. The defaults are 3 retries and 30 seconds.
func WithRetry(maxRetries int, maxWait time.Duration) Option {
	return func(s *settings) error { return s.config.SetRetry(maxRetries, maxWait) }
}

// WithTimeout bounds each call (all its attempts and waits); zero, the
// default, leaves it to the context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.config.SetTimeout(d) }
}

// WithOrigin sets the Origin header of every widget call. Munin compares it
// with the channel's originAllowlist as scheme, host and port (§2.1), and a
// server-side bot must send one. Required for NewWidgetClient.
func WithOrigin(origin string) Option {
	return func(s *settings) error {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("WithOrigin%s: must be an http or https origin such as https://shop.example", quotedURL(u, err))
		}
		s.origin = u.Scheme + "://" + u.Host
		return nil
	}
}

// WithChannel names the widget channel (cch_…) the widget key belongs to.
// Required for NewWidgetClient.
func WithChannel(channelID string) Option {
	return func(s *settings) error {
		if channelID == "" {
			return errors.New("WithChannel: empty channel id")
		}
		s.channelID = channelID
		return nil
	}
}

// WithMCP makes the admin client call Munin's MCP tools (POST /mcp,
// Streamable HTTP) instead of the REST control plane, so a key with narrow
// scopes (such as only "conv:read conv:write") works. endpoint is the MCP
// URL; empty means DefaultMCPURL with the default base URL, or <base>/mcp
// with any other. TakeOver, Release, SetAgentMode, the channel Archive and
// Activate, and Conversations.Get's claim are REST only (§5); see
// ErrRESTOnly. WithRetry does not apply to MCP: a tool call is sent again
// only when it provably never reached a tool, and a 429 comes back at once
// with its RetryAfter.
func WithMCP(endpoint string) Option {
	return func(s *settings) error {
		if endpoint != "" {
			u, err := url.Parse(endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("WithMCP%s: must be an absolute http or https URL", quotedURL(u, err))
			}
		}
		s.mcp, s.mcpURL = true, endpoint
		return nil
	}
}

// WithEchoFilter makes Conversations.SendMessage remember the id of every
// message it posts in f, so that f.HandoffEvent can tell the bot's own
// posts, which Munin echoes as conversation.message.sent by "agent", from
// posts by anyone else.
func WithEchoFilter(f *EchoFilter) Option {
	return func(s *settings) error {
		if f == nil {
			return errors.New("WithEchoFilter: nil filter")
		}
		s.echoes = f
		return nil
	}
}

// quotedURL is " <u>" with any password masked, for an option's error, or
// nothing when the value did not parse: url.Parse's own error quotes the
// whole input, password included.
func quotedURL(u *url.URL, err error) string {
	if err != nil {
		return ""
	}
	return " " + strconv.Quote(u.Redacted())
}
