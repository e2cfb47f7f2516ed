package certainly

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Option configures a Client. Options are checked when the client is
// built: a bad value is an error from NewClient.
type Option func(*settings) error

// WithBaseURL sets Certainly's address (DefaultBaseURL by default), such as
// a certainlytest server's URL. A path in it is kept: requests go to
// <base><path prefix>/{botId}/….
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error { return s.config.SetBaseURL(baseURL) }
}

// WithHTTPClient sends requests through hc (for example one whose Transport
// is an httpmock or a proxy). The client is copied, never changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error { return s.config.SetHTTPClient(hc) }
}

// WithLogger makes the client write debug lines about attempts and retries
// to logger. Without it the client is silent. The token never reaches the
// log.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) error { return s.config.SetLogger(logger) }
}

// WithUserAgent puts product (such as "support-desk/1.2") in front of
// botbridge's own User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error { return s.config.SetUserAgent(product) }
}

// WithRetry sets how many times a failed call is retried (0 turns retries
// off) and the longest wait between two attempts; a Retry-After that asks
// for longer is returned at once in the error. The defaults are 3 retries
// and 30 seconds. Which calls may be retried at all is in the Client doc.
func WithRetry(maxRetries int, maxWait time.Duration) Option {
	return func(s *settings) error { return s.config.SetRetry(maxRetries, maxWait) }
}

// WithTimeout bounds each call, all its attempts and waits included; zero,
// the default, leaves it to the context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.config.SetTimeout(d) }
}

// WithPathPrefix sets the path between the base URL and the bot deployment
// id (DefaultPathPrefix, "/webbot/api/webchat", by default). "" means no
// prefix: requests go to <base>/{botId}/handover/{userId}/. The prefix is
// an already escaped path; slashes around it are dropped, and it must not
// hold a query, a fragment, white space, control characters, an empty
// segment or a "." or ".." segment.
func WithPathPrefix(prefix string) Option {
	return func(s *settings) error {
		p, err := cleanPrefix(prefix)
		if err != nil {
			return fmt.Errorf("WithPathPrefix: %w", err)
		}
		s.prefix = p
		return nil
	}
}

// WithAuthScheme sets the scheme of the Authorization header the token is
// sent with: "<scheme> <token>". The default, "bearer", is lowercase as
// Certainly's chat REST API documents it; other Certainly APIs use "JWT",
// and a proxy may want "Token" or "Bearer". The scheme is one HTTP token
// (letters, digits and !#$%&'*+-.^_`|~).
func WithAuthScheme(scheme string) Option {
	return func(s *settings) error {
		if !isToken(scheme) {
			// The value is not quoted: it may be a whole "Bearer <token>".
			return errors.New(`WithAuthScheme: not an HTTP authentication scheme such as "bearer" or "JWT" (the token goes to NewClient)`)
		}
		s.scheme, s.schemeSet = scheme, true
		return nil
	}
}

// WithoutAuthorization makes the client send no Authorization header.
// Certainly documents no authentication for the handover and takeover
// endpoints, and its config endpoint works without a token; use this when
// a deployment (or a proxy in front of it) accepts calls without one.
// NewClient then needs an empty token and no WithAuthScheme.
func WithoutAuthorization() Option {
	return func(s *settings) error {
		s.noAuth = true
		return nil
	}
}

// cleanPrefix checks a path prefix and returns it without slashes around
// it.
func cleanPrefix(prefix string) (string, error) {
	p := strings.Trim(prefix, "/")
	if p == "" {
		return "", nil
	}
	switch {
	case strings.ContainsAny(p, "?#"):
		return "", fmt.Errorf("%q: must not hold a query or fragment", prefix)
	case strings.ContainsFunc(p, isSpaceOrControl):
		return "", fmt.Errorf("%q: must not hold white space or control characters", prefix)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("%q: has an empty segment", prefix)
		case ".", "..":
			return "", fmt.Errorf("%q: has a %q segment", prefix, seg)
		}
	}
	unescaped, err := url.PathUnescape(p)
	if err != nil {
		return "", fmt.Errorf("%q: not a valid escaped path", prefix)
	}
	if (&url.URL{Path: unescaped, RawPath: p}).EscapedPath() != p {
		return "", fmt.Errorf("%q: not a valid escaped path", prefix)
	}
	return p, nil
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isSpaceOrControl reports the runes no token, id or path prefix holds.
func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

var errNilOption = errors.New("nil Option")
