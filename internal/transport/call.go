package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// call is the state of one Do. go-retryablehttp runs the attempts; the
// policy, backoff and hooks of the retryablehttp.Client built for the call
// close over this state, because its hooks never see the request.
type call struct {
	c          *Client
	ctx        context.Context
	method     string
	path       string
	idempotent bool
	requestID  string
	attempts   int

	// trace records how far the current attempt got; it is reset before
	// each attempt.
	trace attemptTrace

	// read is the response whose body was read into body.
	read *http.Response
	body []byte

	// waitFor memoises the Retry-After of the last response, so the policy
	// (which go-retryablehttp consults twice per attempt) and the backoff
	// agree even when an HTTP-date is crossed in between.
	waitFor struct {
		resp *http.Response
		wait time.Duration
		ok   bool
	}
}

// attemptTrace is what the HTTP trace saw of one attempt.
type attemptTrace struct {
	getConn, gotConn atomic.Bool
}

func (t *attemptTrace) reset() {
	t.getConn.Store(false)
	t.gotConn.Store(false)
}

// send runs the attempts and returns the last answer, its body read into
// call.body.
func (call *call) send(req *Request) (*http.Response, error) {
	c := call.c
	rreq, err := call.newRequest(req)
	if err != nil {
		return nil, call.errorf("%w", err)
	}
	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryMax:     c.retryMax,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		CheckRetry:   call.checkRetry,
		Backoff: func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
			return call.backoff(attempt, resp)
		},
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: call.beforeAttempt,
	}
	resp, err := rc.Do(rreq)
	if resp != nil {
		defer func() { resp.Body.Close() }() // the body in place at return
	}
	if ctxErr := call.ctx.Err(); ctxErr != nil {
		return nil, call.errorf("%w", ctxErr)
	}
	if err != nil {
		return nil, call.errorf("%w (attempts: %d)", sanitize(err), call.attempts)
	}
	if resp != call.read {
		// The retries ran out on a retryable status: the response handler
		// did not run for this response, so its body is still unread.
		if err := call.readBody(resp); err != nil {
			return nil, call.errorf("%w", sanitize(err))
		}
	}
	return resp, nil
}

// newRequest builds the retryable request: JSON body, headers, trace.
func (call *call) newRequest(req *Request) (*retryablehttp.Request, error) {
	c := call.c
	var body any // retryablehttp wants an untyped nil for "no body"
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
		body = b
	}
	target, err := c.resolve(req)
	if err != nil {
		return nil, err
	}
	ctx := httptrace.WithClientTrace(call.ctx, &httptrace.ClientTrace{
		GetConn: func(string) { call.trace.getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { call.trace.gotConn.Store(true) },
	})
	rreq, err := retryablehttp.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, err
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
		if call.requestID = c.requestID(call.ctx); call.requestID != "" {
			h.Set("X-Request-Id", call.requestID)
		}
	}
	// Checked before the credential goes in, so the error cannot show it.
	if err := checkHeader(h); err != nil {
		return nil, err
	}
	if c.authorize != nil {
		c.authorize(h)
	}
	rreq.SetResponseHandler(call.readBody)
	return rreq, nil
}

// checkHeader refuses header values net/http would refuse on every attempt.
func checkHeader(h http.Header) error {
	for k, vs := range h {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("header %s: value holds a line break or NUL", k)
			}
		}
	}
	return nil
}

// beforeAttempt runs before every attempt: it clears the per-attempt state
// and logs.
func (call *call) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, retry int) {
	call.trace.reset()
	call.read, call.body = nil, nil
	call.attempts = retry + 1
	call.log("botbridge: sending request", slog.Int("attempt", call.attempts))
}

// checkRetry is the retryablehttp policy hook for this call.
func (call *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if !shouldRetry(resp, err, call.idempotent, call.mayHaveArrived(err)) {
		return false, nil
	}
	if resp != nil {
		if wait, ok := call.retryAfter(resp); ok && wait > call.c.waitMax {
			// Waiting less than the server asked would only earn another
			// refusal; the caller gets the error with RetryAfter and decides.
			return false, nil
		}
	}
	return true, nil
}

// mayHaveArrived reports whether a failed attempt's request may have reached
// the server. Only positive evidence says it did not: a dial or DNS error, or
// a trace that saw a connection asked for and never obtained. A transport
// that runs no trace (a mock, a wrapper that drops the context) gives no
// evidence, so its failures count as "may have arrived".
func (call *call) mayHaveArrived(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		return false
	case call.trace.getConn.Load() && !call.trace.gotConn.Load():
		return false
	}
	return true
}

// retryAfter is the wait resp asks for, memoised per response.
func (call *call) retryAfter(resp *http.Response) (time.Duration, bool) {
	w := &call.waitFor
	if w.resp != resp {
		w.resp = resp
		w.wait, w.ok = call.c.parseRetryAfter(resp.Header, call.c.now())
	}
	return w.wait, w.ok
}

// backoff is the retryablehttp backoff hook for this call.
func (call *call) backoff(attempt int, resp *http.Response) time.Duration {
	var wait time.Duration
	var ok bool
	if resp != nil {
		wait, ok = call.retryAfter(resp)
	}
	d := call.c.backoff(attempt, wait, ok)
	attrs := []slog.Attr{slog.Int("attempt", attempt+1), slog.Duration("wait", d)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	call.log("botbridge: retrying request", attrs...)
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
	call.read, call.body = resp, body
	resp.Body = http.NoBody
	return nil
}

// errorf prefixes an error with the vendor and the call.
func (call *call) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s %s: "+format, append([]any{call.c.vendor, call.method, call.path}, args...)...)
}

func (call *call) log(msg string, attrs ...slog.Attr) {
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
	call.c.logger.LogAttrs(call.ctx, slog.LevelDebug, msg, attrs...)
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
