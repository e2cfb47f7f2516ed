package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
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
		logger:          cfg.Logger,
		userAgent:       userAgent(cfg.UserAgent, cfg.Vendor),
		retryMax:        cfg.RetryMax,
		waitMin:         cfg.RetryWaitMin,
		waitMax:         cfg.RetryWaitMax,
		timeout:         cfg.Timeout,
		maxBody:         cfg.MaxResponseBytes,
		requestID:       cfg.RequestID,
		authorize:       cfg.Authorize,
		decodeError:     cfg.DecodeError,
		parseRetryAfter: cfg.RetryAfter,
		now:             time.Now,
		jitter:          rand.Int64N,
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		c.http = &hc
	} else {
		c.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if c.decodeError == nil {
		c.decodeError = DecodeErrorBody
	}
	if c.parseRetryAfter == nil {
		c.parseRetryAfter = ParseRetryAfter
	}
	var pairs []string
	for _, s := range cfg.Secrets {
		if s != "" {
			pairs = append(pairs, s, "[REDACTED]")
		}
	}
	if len(pairs) > 0 {
		c.redactor = strings.NewReplacer(pairs...)
	}
	return c, nil
}

// String describes the client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("transport.Client{vendor: %s, base: %s}", c.vendor, c.base.Redacted())
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
// answer into out (when out is not nil and the body is not empty). Any other
// status is returned as *APIError. Once ctx is done, its error wins.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	path := "/" + strings.TrimLeft(req.Path, "/")
	call := &call{
		c:          c,
		method:     req.Method,
		path:       path,
		idempotent: req.Idempotent || idempotentMethod(req.Method),
	}
	resp, err := call.send(ctx, req)
	if err != nil {
		return nil, err
	}
	res := &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Attempts:   call.attempts,
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.apiError(call, resp)
	}
	if out != nil && len(call.body) > 0 {
		if err := json.Unmarshal(call.body, out); err != nil {
			return nil, call.errorf("decode response: %w", err)
		}
	}
	return res, nil
}

// call is the state of one Do: the retry policy and the hooks of the
// retryablehttp client built for it close over it.
type call struct {
	c          *Client
	method     string
	path       string
	idempotent bool
	requestID  string
	attempts   int
	body       []byte
	// sent is set by the HTTP trace once the current attempt's headers were
	// written, and cleared before each attempt.
	sent atomic.Bool
}

func (call *call) send(ctx context.Context, req *Request) (*http.Response, error) {
	c := call.c
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, call.errorf("encode request body: %w", err)
		}
	}
	target, err := c.resolve(req)
	if err != nil {
		return nil, call.errorf("%w", err)
	}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { call.sent.Store(true) },
	})
	var raw any // retryablehttp wants an untyped nil for "no body"
	if body != nil {
		raw = body
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, req.Method, target, raw)
	if err != nil {
		return nil, call.errorf("%w", err)
	}
	h := rreq.Header
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.userAgent)
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	for k, vs := range req.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if c.requestID != nil {
		if call.requestID = c.requestID(ctx); call.requestID != "" {
			h.Set("X-Request-Id", call.requestID)
		}
	}
	if c.authorize != nil {
		c.authorize(h)
	}
	rreq.SetResponseHandler(call.readBody)

	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryMax:     c.retryMax,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		CheckRetry:   call.checkRetry,
		Backoff: func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
			return call.wait(attempt, resp)
		},
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: call.beforeAttempt,
	}
	resp, err := rc.Do(rreq)
	if ctxErr := ctx.Err(); ctxErr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, call.errorf("%w", ctxErr)
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, call.errorf("%w (attempts: %d)", sanitize(err), call.attempts)
	}
	if call.body == nil {
		// The retries ran out on a retryable status: the response handler
		// did not run, so the body is still unread.
		if err := call.readBody(resp); err != nil {
			return nil, call.errorf("%w", sanitize(err))
		}
	}
	return resp, nil
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
	u.RawQuery = req.Query.Encode()
	return u.String(), nil
}

// beforeAttempt runs before every attempt: it clears the trace flag and logs.
func (call *call) beforeAttempt(_ retryablehttp.Logger, r *http.Request, retry int) {
	call.sent.Store(false)
	call.attempts = retry + 1
	call.log(r.Context(), "botbridge: sending request", slog.Int("attempt", call.attempts))
}

// checkRetry is the retryablehttp policy hook for this call.
func (call *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if !shouldRetry(resp, err, call.idempotent, call.sent.Load()) {
		return false, nil
	}
	if wait, ok := call.c.retryAfter(resp); ok && wait > call.c.waitMax {
		// Waiting less than the server asked would only earn another 429;
		// the caller gets the error with RetryAfter and decides.
		return false, nil
	}
	return true, nil
}

// wait is the retryablehttp backoff hook for this call.
func (call *call) wait(attempt int, resp *http.Response) time.Duration {
	d := call.c.backoff(attempt, resp)
	attrs := []slog.Attr{slog.Int("attempt", attempt+1), slog.Duration("wait", d)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	call.log(context.Background(), "botbridge: retrying request", attrs...)
	return d
}

// readBody reads the response body through the size cap. As the
// retryablehttp response handler, its error is a body that broke off, which
// the policy may retry.
func (call *call) readBody(resp *http.Response) error {
	defer resp.Body.Close()
	limit := call.c.maxBody
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("read response body: %w", err)
	}
	if int64(len(body)) > limit {
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
		}
		body = body[:limit]
	}
	if body == nil {
		body = []byte{}
	}
	call.body = body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// apiError builds the *APIError for a non-2xx answer.
func (c *Client) apiError(call *call, resp *http.Response) *APIError {
	body := c.redact(call.body)
	e := &APIError{
		Vendor:     c.vendor,
		Method:     call.method,
		Path:       call.path,
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Body:       body[:min(len(body), maxErrorBody)],
	}
	if wait, ok := c.retryAfter(resp); ok {
		e.RetryAfter = wait
	}
	e.Code, e.Message, e.kind = c.decodeError(resp.StatusCode, resp.Header, body)
	return e
}

// redact removes the client's secrets from what a server sent back.
func (c *Client) redact(b []byte) []byte {
	if c.redactor == nil || len(b) == 0 {
		return b
	}
	return []byte(c.redactor.Replace(string(b)))
}

// errorf prefixes an error with the vendor and the call.
func (call *call) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s %s: "+format, append([]any{call.c.vendor, call.method, call.path}, args...)...)
}

func (call *call) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	if call.c.logger == nil {
		return
	}
	attrs = append(attrs,
		slog.String("vendor", call.c.vendor),
		slog.String("method", call.method),
		slog.String("path", call.path))
	if call.requestID != "" {
		attrs = append(attrs, slog.String("request_id", call.requestID))
	}
	call.c.logger.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

// sanitize drops the URL from a *url.Error: the call is named by the error's
// prefix already, and a URL can carry user info.
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
