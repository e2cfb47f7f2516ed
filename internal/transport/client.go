package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// Client sends a vendor's requests: JSON in, JSON out, retries by the rule
// in retry.go, errors as *APIError. It is safe for concurrent use.
type Client struct {
	vendor      string
	base        *url.URL
	http        *http.Client
	logger      *slog.Logger
	userAgent   string
	retryMax    int
	waitMin     time.Duration
	waitMax     time.Duration
	timeout     time.Duration
	maxBody     int64
	requestID   func(context.Context) string
	authorize   func(http.Header)
	redactor    *strings.Replacer
	decodeError ErrorDecoder
	checkOK     SuccessCheck

	parseRetryAfter func(http.Header, time.Time) (time.Duration, bool)
	now             func() time.Time
	jitter          func(n int64) int64
}

// New validates cfg and builds a Client from it. Its errors start with the
// vendor name and say which setting is wrong.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		if cfg.Vendor != "" {
			err = fmt.Errorf("%s: %w", cfg.Vendor, err)
		}
		return nil, err
	}
	c := &Client{
		vendor:          cfg.Vendor,
		base:            base,
		http:            HTTPClient(cfg.HTTPClient),
		logger:          cfg.Logger,
		userAgent:       UserAgent(cfg.UserAgent, cfg.Vendor),
		retryMax:        cfg.RetryMax,
		waitMin:         cfg.RetryWaitMin,
		waitMax:         cfg.RetryWaitMax,
		timeout:         cfg.Timeout,
		maxBody:         cfg.MaxResponseBytes,
		requestID:       cfg.RequestID,
		authorize:       cfg.Authorize,
		redactor:        Redactor(cfg.Secrets),
		decodeError:     cfg.DecodeError,
		checkOK:         cfg.CheckSuccess,
		parseRetryAfter: cfg.RetryAfter,
		now:             cfg.Now,
		jitter:          rand.Int64N,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.decodeError == nil {
		c.decodeError = DecodeErrorBody
	}
	if c.parseRetryAfter == nil {
		c.parseRetryAfter = ParseRetryAfter
	}
	return c, nil
}

// HTTPClient returns the client the transport sends with: a copy of the
// caller's (nil: one with a pooled transport), so the caller's later
// changes do not reach it, with two differences that keep the transport
// from touching what it does not own. A vendor's second protocol (Munin's
// MCP) sends with one built the same way.
func HTTPClient(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	rt := c.Transport
	if rt == nil {
		rt = cleanhttp.DefaultPooledTransport()
	}
	// go-retryablehttp closes idle connections after every failed call; on
	// a transport shared with the rest of the caller's program that is not
	// its business. Hiding the method keeps the call from reaching it.
	c.Transport = roundTripperOnly{rt}
	if c.CheckRedirect == nil {
		// A redirect would replay the credential to wherever it points (Go
		// keeps Authorization for the same host, even over plain http) and
		// turn a POST into a GET. No vendor API redirects: a 3xx is an error.
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return &c
}

// roundTripperOnly hides every method of a RoundTripper but RoundTrip.
type roundTripperOnly struct{ rt http.RoundTripper }

// RoundTrip sends req through the wrapped RoundTripper.
func (r roundTripperOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.rt.RoundTrip(req)
}

// String describes the client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("transport.Client{vendor: %s, base: %s}", c.vendor, c.base)
}

// Format makes every fmt verb, %#v and %+v included, print String, so that
// no formatting of a client can reach the fields that lead to a credential.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// BaseURL returns the normalised base URL (with one trailing slash).
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Request is one call to a vendor.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is relative to the base URL and already escaped; build it with
	// Pathf when it holds ids. A leading slash does not make it absolute.
	Path string
	// Query is encoded into the URL.
	Query url.Values
	// Header holds per-request headers (e.g. Munin's x-munin-session-id).
	Header http.Header
	// Body, when not nil, is sent as JSON.
	Body any
	// Idempotent marks a call that may safely be sent twice even though
	// its method is not idempotent, e.g. because it carries idempotency
	// keys. GET, HEAD, OPTIONS, PUT and DELETE are idempotent already.
	Idempotent bool
	// NotIdempotent marks a call whose method is idempotent but whose effect
	// is not, such as Certainly's takeover with ClaimEnd (a GET that moves
	// the user on in the flow each time): it is retried only when that is
	// safe, as a POST is. It overrides Idempotent.
	NotIdempotent bool
}

// Response describes the answer to a successful call.
type Response struct {
	// StatusCode is the 2xx status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// RequestID is the id the vendor gave the request (X-Request-Id).
	RequestID string
	// Attempts is how many times the request was sent.
	Attempts int
}

// Pathf formats a request path, escaping each segment so that it stays one
// path segment: an id holding "/", "?" or "#", or an id that is "." or
// "..", cannot change the route.
func Pathf(format string, segments ...string) string {
	args := make([]any, len(segments))
	for i, s := range segments {
		switch s {
		case ".", "..":
			args[i] = strings.Repeat("%2E", len(s))
		default:
			args[i] = url.PathEscape(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

// Do sends req, retrying by the rule in retry.go, and decodes a 2xx JSON
// answer into out (when out is not nil and the body is not empty; with a
// nil out the body is not read as JSON at all, so any 2xx body is a
// success). Any other status is returned as *APIError, and so is a 2xx
// that Config.CheckSuccess finds to report a failure. Once ctx is done,
// its error wins.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	call := &call{
		c:          c,
		ctx:        ctx,
		method:     req.Method,
		path:       "/" + strings.TrimLeft(req.Path, "/"),
		idempotent: (req.Idempotent || idempotentMethod(req.Method)) && !req.NotIdempotent,
	}
	resp, err := call.send(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.apiError(call, resp)
	}
	if c.checkOK != nil {
		if f := c.checkOK(resp.StatusCode, resp.Header, call.body); f != nil {
			return nil, c.failureError(call, resp, f)
		}
	}
	if out != nil && len(call.body) > 0 {
		if err := json.Unmarshal(call.body, out); err != nil {
			return nil, call.errorf("decode response: %w", err)
		}
	}
	return &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Attempts:   call.attempts,
	}, nil
}

// resolve appends the request's escaped path to the base URL's and adds the
// query. It does not resolve dot segments: a path is sent as it was built.
func (c *Client) resolve(req *Request) (string, error) {
	p := strings.TrimLeft(req.Path, "/")
	if strings.ContainsAny(p, "?#") {
		return "", errors.New("request path: must not hold '?' or '#' (use Query)")
	}
	u := *c.base
	u.RawPath = c.base.EscapedPath() + p
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return "", fmt.Errorf("request path: %w", err)
	}
	if u.EscapedPath() != u.RawPath {
		// Go would re-escape it from the unescaped form, turning %2F into
		// a slash: the path was not built with Pathf.
		return "", fmt.Errorf("request path %q: not a valid escaped path", req.Path)
	}
	u.RawQuery = req.Query.Encode()
	return u.String(), nil
}

// apiError builds the *APIError for a non-2xx answer, with the client's
// secrets scrubbed from everything the server sent.
func (c *Client) apiError(call *call, resp *http.Response) *APIError {
	body := []byte(c.redact(string(call.body)))
	e := c.newAPIError(call, resp, resp.StatusCode, body)
	if wait, ok := call.retryAfter(resp); ok {
		e.RetryAfter = wait
	}
	code, message, kind := c.decodeError(resp.StatusCode, resp.Header, body)
	e.Code, e.Message, e.kind = c.redact(code), c.redact(message), kind
	return e
}

// failureError builds the *APIError for a 2xx answer whose body reports
// failure f (Config.CheckSuccess), like apiError for the status f stands
// for. RetryAfter is set only for a 429 or 503: on another answer the
// headers describe the quota, not this failure.
func (c *Client) failureError(call *call, resp *http.Response, f *Failure) *APIError {
	status := f.StatusCode
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	e := c.newAPIError(call, resp, status, []byte(c.redact(string(call.body))))
	if wait, ok := call.retryAfter(resp); ok && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		e.RetryAfter = wait
	}
	e.Code, e.Message, e.kind = c.redact(f.Code), c.redact(f.Message), f.Kind
	return e
}

// newAPIError is what every *APIError of a response holds besides the
// vendor's code, message and wait: the call, status, request id, rate
// limit and the start of body, the response body already redacted (whole,
// so that the cut cannot split a secret).
func (c *Client) newAPIError(call *call, resp *http.Response, status int, body []byte) *APIError {
	return &APIError{
		Vendor:     c.vendor,
		Method:     call.method,
		Path:       call.path,
		StatusCode: status,
		RequestID:  c.redact(resp.Header.Get("X-Request-Id")),
		RateLimit:  ParseRateLimit(resp.Header, c.now()),
		Body:       body[:min(len(body), maxErrorBody)],
	}
}

// Redactor replaces each secret, and the forms a JSON encoder may escape it
// into, with a marker.
func Redactor(secrets []Secret) *strings.Replacer {
	var pairs []string
	for _, secret := range secrets {
		s := secret.Value()
		if s == "" {
			continue
		}
		for _, form := range []string{s, jsonString(s, true), jsonString(s, false)} {
			for _, f := range []string{form, strings.ReplaceAll(form, "/", `\/`)} {
				pairs = append(pairs, f, redacted)
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// jsonString is s as a JSON string body, without the quotes.
func jsonString(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// redact removes the client's secrets from what a server sent back.
func (c *Client) redact(s string) string {
	if c.redactor == nil || s == "" {
		return s
	}
	return c.redactor.Replace(s)
}
