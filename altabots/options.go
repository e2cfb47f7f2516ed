package altabots

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Client. Options are checked when the client is
// built: a bad value is an error from NewClient.
type Option func(*settings) error

// WithBaseURL sets AltaBots' address: GPTBotsBaseURL for a GPTBots agent,
// or an altabotstest server's URL. A path in it is kept: requests go to
// <base>/v1/human/….
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error { return s.config.SetBaseURL(baseURL) }
}

// WithHTTPClient sends requests through hc (for example one whose Transport
// is an httpmock or a proxy). The client is copied, never changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error { return s.config.SetHTTPClient(hc) }
}

// WithLogger makes the client write debug lines about attempts and retries
// to logger. Without it the client is silent. The key never reaches the log.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) error { return s.config.SetLogger(logger) }
}

// WithUserAgent puts product (such as "support-desk/1.2") in front of
// botbridge's own User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error { return s.config.SetUserAgent(product) }
}

// WithRetry sets how many times a failed call is retried (0 turns retries
// off) and the longest wait between two attempts; a Retry-After (or a
// rate-limit reset) that asks for longer is returned at once in the error.
// The defaults are 3 retries and 30 seconds. Which calls may be retried at
// all is in the Client doc.
func WithRetry(maxRetries int, maxWait time.Duration) Option {
	return func(s *settings) error { return s.config.SetRetry(maxRetries, maxWait) }
}

// WithTimeout bounds each call (all its attempts and waits); zero, the
// default, leaves it to the context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error { return s.config.SetTimeout(d) }
}

// WithNow sets the clock the client reads (time.Now by default): for the
// timestamp of each request, and for how long a rate-limit reset is away.
// Give the Now of the clock a handler or an altabotstest server runs on,
// so that a test or a demo on a fake clock sends the fake time.
func WithNow(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return errors.New("WithNow: nil func")
		}
		s.now = now
		return nil
	}
}
