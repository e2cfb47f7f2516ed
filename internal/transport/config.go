package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/botbridge/botbridge"
)

// Defaults shared by every vendor client.
const (
	DefaultRetryMax         = 3
	DefaultRetryWaitMin     = 1 * time.Second
	DefaultRetryWaitMax     = 30 * time.Second
	DefaultMaxResponseBytes = 10 << 20
)

// Config is everything a vendor client hands to New. Vendor packages start
// from DefaultConfig, let their options change it, and call New, which
// validates all of it.
type Config struct {
	// Vendor is the short vendor name ("munin"): the prefix of every error
	// and the comment in the User-Agent header.
	Vendor string

	// BaseURL is the absolute http or https URL that request paths are
	// relative to. A path prefix ("https://host/api/") is kept.
	BaseURL string

	// HTTPClient sends the requests. It is copied, never changed; nil means
	// a client of the transport's own with a clone of http.DefaultTransport.
	HTTPClient *http.Client

	// Logger receives debug lines for attempts and retries. Nil is silent.
	Logger *slog.Logger

	// UserAgent is the caller's own product token, sent before botbridge's.
	UserAgent string

	// RetryMax is how many times a call is retried after its first attempt.
	RetryMax int
	// RetryWaitMin is the first backoff step; each retry doubles it.
	RetryWaitMin time.Duration
	// RetryWaitMax caps every wait, a server's Retry-After included: a
	// server that asks for a longer wait gets its error returned instead.
	RetryWaitMax time.Duration

	// Timeout, when positive, bounds a whole call (every attempt, every wait
	// and the body read) through its context.
	Timeout time.Duration

	// MaxResponseBytes caps how much of a response body is read.
	MaxResponseBytes int64

	// RequestID, when set, is called once per call; its result is sent as
	// X-Request-Id on every attempt of that call, so one call can be traced
	// across retries, logs and the vendor's own records.
	RequestID func(ctx context.Context) string

	// Authorize sets the credential headers on each request. Keeping the key
	// inside this closure is what keeps it out of every formatted value.
	Authorize func(h http.Header)

	// Secrets are scrubbed from anything a server sends back before it can
	// reach an error, in case a vendor echoes a credential.
	Secrets []Secret

	// RetryAfter reads how long a response asks the client to wait. Nil
	// means ParseRetryAfter; vendors with their own headers wrap it.
	RetryAfter func(h http.Header, now time.Time) (time.Duration, bool)

	// DecodeError reads a vendor's error body. Nil means DecodeErrorBody.
	DecodeError ErrorDecoder

	// CheckSuccess, when set, reads the body of every 2xx answer before Do
	// decodes it, for a vendor that reports failures inside a 2xx (AltaBots'
	// {code, message}). A *Failure it returns makes Do return an *APIError
	// built exactly as for a non-2xx answer. Nil: every 2xx is a success.
	CheckSuccess SuccessCheck

	// Now is the client's clock, for Retry-After dates and
	// X-RateLimit-Reset. Nil means time.Now; vendor tests set a fixed one.
	Now func() time.Time
}

// DefaultConfig returns the defaults every vendor client starts from.
func DefaultConfig(vendor, baseURL string) Config {
	return Config{
		Vendor:           vendor,
		BaseURL:          baseURL,
		RetryMax:         DefaultRetryMax,
		RetryWaitMin:     DefaultRetryWaitMin,
		RetryWaitMax:     DefaultRetryWaitMax,
		MaxResponseBytes: DefaultMaxResponseBytes,
	}
}

// validate checks cfg and returns the parsed base URL. Every error names the
// setting it is about; none of them echoes a credential.
func (cfg *Config) validate() (*url.URL, error) {
	if cfg.Vendor == "" {
		return nil, errors.New("transport: vendor name is empty")
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.RetryMax < 0:
		return nil, fmt.Errorf("retry max %d: must not be negative", cfg.RetryMax)
	case cfg.RetryWaitMin <= 0:
		return nil, fmt.Errorf("retry min wait %s: must be positive", cfg.RetryWaitMin)
	case cfg.RetryWaitMax < cfg.RetryWaitMin:
		return nil, fmt.Errorf("retry max wait %s: must be at least the min wait %s", cfg.RetryWaitMax, cfg.RetryWaitMin)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("timeout %s: must not be negative", cfg.Timeout)
	case cfg.MaxResponseBytes <= 0:
		return nil, fmt.Errorf("max response bytes %d: must be positive", cfg.MaxResponseBytes)
	case strings.ContainsAny(cfg.UserAgent, "\r\n"):
		return nil, errors.New("user agent: must not contain a line break")
	}
	return base, nil
}

// parseBaseURL accepts an absolute http(s) URL without query or fragment and
// returns it with exactly one trailing slash, so that relative paths resolve
// below any path prefix it has.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("base URL: empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("base URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("base URL %s: scheme must be http or https", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("base URL %s: no host", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("base URL %s: must not have a query", u.Redacted())
	case u.Fragment != "":
		return nil, fmt.Errorf("base URL %s: must not have a fragment", u.Redacted())
	case u.User != nil:
		// A credential in the URL would travel in every error and log
		// line that names the URL; keys go through the client's options.
		return nil, fmt.Errorf("base URL %s: must not hold credentials", u.Redacted())
	}
	// Collapse any run of trailing slashes into one, on the escaped form so
	// that an escaped slash in the prefix stays escaped.
	escaped := strings.TrimRight(u.EscapedPath(), "/") + "/"
	if u.Path, err = url.PathUnescape(escaped); err != nil {
		return nil, fmt.Errorf("base URL %s: %w", u.Redacted(), err)
	}
	u.RawPath = escaped
	return u, nil
}

// UserAgent is the User-Agent every botbridge request carries:
// "<caller's token> botbridge/<version> (+vendor)".
func UserAgent(custom, vendor string) string {
	ua := "botbridge/" + botbridge.Version + " (+" + vendor + ")"
	if custom = strings.TrimSpace(custom); custom != "" {
		ua = custom + " " + ua
	}
	return ua
}

// Format prints the vendor and base URL only, under every fmt verb: a Config
// holds the Authorize closure and Secrets, and a vendor client may keep one.
func (cfg Config) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "transport.Config{vendor: %s, base: %s}", cfg.Vendor, cfg.redactedBase())
}

// redactedBase is the base URL with any password masked, or a placeholder
// when it does not parse.
func (cfg Config) redactedBase() string {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return "(invalid)"
	}
	return u.Redacted()
}
