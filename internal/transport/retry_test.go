package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestBackoffIsJitteredExponentialUpToTheCap(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, testBase, nil, func(cfg *Config) {
		cfg.RetryWaitMin = time.Second
		cfg.RetryWaitMax = 30 * time.Second
	})
	tests := []struct {
		attempt int
		lo, hi  time.Duration
	}{
		{0, 500 * time.Millisecond, 1 * time.Second},
		{1, 1 * time.Second, 2 * time.Second},
		{2, 2 * time.Second, 4 * time.Second},
		{3, 4 * time.Second, 8 * time.Second},
		{4, 8 * time.Second, 16 * time.Second},
		{5, 15 * time.Second, 30 * time.Second}, // 32 s is over the cap
		{63, 15 * time.Second, 30 * time.Second},
		{1000, 15 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		c.jitter = func(int64) int64 { return 0 }
		assert.Equal(t, tt.lo, c.backoff(tt.attempt, 0, false), "attempt %d, least jitter", tt.attempt)
		c.jitter = func(n int64) int64 { return n - 1 }
		assert.Equal(t, tt.hi, c.backoff(tt.attempt, 0, false), "attempt %d, most jitter", tt.attempt)
	}
}

func TestBackoffObeysRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)
	c := newTestClient(t, testBase, nil, func(cfg *Config) {
		cfg.RetryWaitMin = time.Second
		cfg.RetryWaitMax = 30 * time.Second
	})
	c.now = func() time.Time { return now }
	wait := func(attempt int, k, v string) time.Duration {
		call := &call{c: c, ctx: context.Background()}
		return call.backoff(attempt, &http.Response{Header: http.Header{k: {v}}})
	}

	assert.Equal(t, 7*time.Second, wait(0, "Retry-After", "7"))
	assert.Equal(t, 12*time.Second, wait(3, "Retry-After", now.Add(12*time.Second).Format(http.TimeFormat)))
	assert.Equal(t, time.Second, wait(0, "Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)), "a past date waits the minimum")
	assert.Equal(t, time.Second, wait(0, "Retry-After", "0"), "zero waits the minimum, not back to back")
	assert.Equal(t, time.Second, wait(0, "Retry-After", "soon"), "an unreadable header falls back to backoff")
	assert.Equal(t, 4*time.Second, wait(2, "Retry-After", "soon"))

	// A vendor's own header, through the hook (Munin's 429 carries only this one).
	c.parseRetryAfter = func(h http.Header, now time.Time) (time.Duration, bool) {
		if s, err := strconv.Atoi(h.Get("Retry-After-Public-Minute")); err == nil {
			return time.Duration(s) * time.Second, true
		}
		return ParseRetryAfter(h, now)
	}
	assert.Equal(t, 25*time.Second, wait(0, "Retry-After-Public-Minute", "25"))
	assert.Equal(t, 3*time.Second, wait(0, "Retry-After", "3"))
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 120 ", 2 * time.Minute, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"99999999999999999999", maxRetryAfter, true},
		{"Thu, 02 Jul 2026 10:01:30 GMT", 90 * time.Second, true},
		{"Thursday, 02-Jul-26 10:00:30 GMT", 30 * time.Second, true}, // RFC 850, still valid to parse
		{"Wed, 01 Jul 2026 10:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(http.Header{"Retry-After": {tt.value}}, now)
		assert.Equal(t, tt.ok, ok, tt.value)
		assert.Equal(t, tt.want, got, tt.value)
	}
}

func TestShouldRetry(t *testing.T) {
	t.Parallel()
	status := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	connErr := errors.New("connection reset by peer")
	certErr := &url_Error{x509.UnknownAuthorityError{}}
	tests := []struct {
		name             string
		resp             *http.Response
		err              error
		arrived          bool
		idempotent, post bool // want for an idempotent request, for a plain POST
	}{
		{"dial error, never sent", nil, connErr, false, true, true},
		{"reset after the request was written", nil, connErr, true, true, false},
		{"body broke off mid-response", status(200), io.ErrUnexpectedEOF, true, true, false},
		{"429", status(429), nil, true, true, true},
		{"503", status(503), nil, true, true, true},
		{"502", status(502), nil, true, true, false},
		{"504", status(504), nil, true, true, false},
		{"500", status(500), nil, true, false, false},
		{"501", status(501), nil, true, false, false},
		{"400", status(400), nil, true, false, false},
		{"404", status(404), nil, true, false, false},
		{"200", status(200), nil, true, false, false},
		{"certificate error", nil, certErr, false, false, false},
		{"response too large", status(200), ErrResponseTooLarge, true, false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.idempotent, shouldRetry(tt.resp, tt.err, true, tt.arrived), "%s (idempotent)", tt.name)
		assert.Equal(t, tt.post, shouldRetry(tt.resp, tt.err, false, tt.arrived), "%s (POST)", tt.name)
	}
}

// url_Error wraps like *url.Error does, to show that wrapped errors are seen.
type url_Error struct{ err error }

func (e *url_Error) Error() string { return "Get: " + e.err.Error() }
func (e *url_Error) Unwrap() error { return e.err }

// The safety rule over the wire: a POST that reached the server and got a
// 502 is not sent again; the same POST marked idempotent is.
func TestRetrySafetyByStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method        string
		idempotent    bool
		status        int
		calls         int
		notIdempotent bool
	}{
		{http.MethodPost, false, http.StatusBadGateway, 1, false},
		{http.MethodPost, false, http.StatusGatewayTimeout, 1, false},
		{http.MethodPost, true, http.StatusBadGateway, 4, false},
		{http.MethodPost, false, http.StatusServiceUnavailable, 4, false},
		{http.MethodPost, false, http.StatusTooManyRequests, 4, false},
		{http.MethodPatch, false, http.StatusBadGateway, 1, false},
		{http.MethodGet, false, http.StatusBadGateway, 4, false},
		{http.MethodGet, false, http.StatusGatewayTimeout, 4, false},
		{http.MethodPut, false, http.StatusBadGateway, 4, false},
		{http.MethodDelete, false, http.StatusBadGateway, 4, false},
		{http.MethodGet, false, http.StatusInternalServerError, 1, false},
		{http.MethodPost, true, http.StatusBadRequest, 1, false},
		{method: http.MethodGet, status: http.StatusBadGateway, calls: 1, notIdempotent: true},
		{method: http.MethodGet, status: http.StatusGatewayTimeout, calls: 1, notIdempotent: true},
		{method: http.MethodGet, idempotent: true, status: http.StatusBadGateway, calls: 1, notIdempotent: true},
		{method: http.MethodGet, status: http.StatusServiceUnavailable, calls: 4, notIdempotent: true},
		{method: http.MethodGet, status: http.StatusTooManyRequests, calls: 4, notIdempotent: true},
	}
	for _, tt := range tests {
		name := tt.method + " " + strconv.Itoa(tt.status)
		if tt.idempotent {
			name += " idempotent"
		}
		if tt.notIdempotent {
			name += " not idempotent"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			hc, mt := mockClient()
			seq := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(tt.status, "")}}
			mt.RegisterResponder(tt.method, testBase+"v1/conversations/c1/messages", seq.Responder)
			c := newTestClient(t, testBase, hc)
			_, err := c.Do(context.Background(), &Request{
				Method: tt.method, Path: "v1/conversations/c1/messages", Body: map[string]string{"body": "hi"},
				Idempotent: tt.idempotent, NotIdempotent: tt.notIdempotent,
			}, nil)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.calls, seq.Calls())
			for _, body := range seq.Bodies {
				assert.JSONEq(t, `{"body":"hi"}`, body, "every attempt sends the whole body")
			}
		})
	}
}

func TestRetryStopsWhenItSucceeds(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{
		httpmock.NewStringResponder(http.StatusTooManyRequests, ""),
		jsonResponder(http.StatusOK, pushResult{Inserted: 3}),
	}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/widget/messages", seq.Responder)
	c := newTestClient(t, testBase, hc)
	var out pushResult
	res, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/widget/messages", Body: struct{}{}}, &out)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, 3, out.Inserted)
}

func TestRetryAfterOverTheCapIsReturnedNotWaited(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{
		jsonResponder(http.StatusTooManyRequests, map[string]any{"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}, "Retry-After", "60"),
	}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/widget/messages", seq.Responder)
	c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.RetryWaitMax = 30 * time.Second })
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/widget/messages", Body: struct{}{}}, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, time.Minute, apiErr.RetryAfter)
	assert.Equal(t, 1, seq.Calls())
}

func TestRetryAfterWithinTheCapIsWaited(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{
		httpmock.NewStringResponder(http.StatusTooManyRequests, "").HeaderSet(http.Header{"Retry-After-Public-Minute": {"3"}}),
		httpmock.NewStringResponder(http.StatusOK, ""),
	}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/widget/messages", seq.Responder)
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		// Munin's header counts seconds; read it as milliseconds to keep the test quick.
		cfg.RetryAfter = func(h http.Header, _ time.Time) (time.Duration, bool) {
			n, err := strconv.Atoi(h.Get("Retry-After-Public-Minute"))
			return time.Duration(n) * time.Millisecond, err == nil
		}
	})
	res, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/widget/messages", Body: struct{}{}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	call := &call{c: c, ctx: context.Background()}
	assert.Equal(t, 3*time.Millisecond, call.backoff(0, &http.Response{Header: http.Header{"Retry-After-Public-Minute": {"3"}}}))
}

// countingTransport counts round trips on the client side.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

func TestConnectionNeverMadeIsRetriedEvenForPOST(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: every dial is refused

	ct := &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	c := newTestClient(t, "http://"+addr+"/", &http.Client{Transport: ct})
	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/widget/messages", Body: struct{}{}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "munin: POST /v1/widget/messages: dial tcp")
	assert.Contains(t, err.Error(), "(attempts: 4)")
	assert.EqualValues(t, 4, ct.n.Load())
}

// A server that reads the request and hangs up without answering: the POST
// may have been processed, so it is not sent again; a GET is.
func TestConnectionDroppedAfterTheRequestArrived(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method string
		calls  int32
	}{{http.MethodPost, 1}, {http.MethodGet, 4}} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			srv, hits := hangUpServer(t)
			c := newTestClient(t, srv.URL, srv.Client())
			_, err := c.Do(context.Background(), &Request{Method: tt.method, Path: "v1/thing", Body: map[string]int{"n": 1}}, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "munin: "+tt.method+" /v1/thing: ")
			assert.Equal(t, tt.calls, hits.Load())
		})
	}
}

// A server that sends headers and part of the body, then breaks the
// connection on the first request only.
func TestBodyBrokenOffMidResponse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method string
		calls  int32
		ok     bool
	}{{http.MethodPost, 1, false}, {http.MethodGet, 2, true}} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					w.Header().Set("Content-Length", "100")
					w.WriteHeader(http.StatusOK)
					_, _ = io.WriteString(w, `{"inserted":`)
					w.(http.Flusher).Flush()
					panic(http.ErrAbortHandler) // drops the connection without logging
				}
				_, _ = io.WriteString(w, `{"inserted":5}`)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL, srv.Client())
			var out pushResult
			res, err := c.Do(context.Background(), &Request{Method: tt.method, Path: "v1/widget/messages", Body: struct{}{}}, &out)
			assert.Equal(t, tt.calls, hits.Load())
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, 2, res.Attempts)
				assert.Equal(t, 5, out.Inserted)
				return
			}
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Contains(t, err.Error(), "read response body")
		})
	}
}

// A server slower than the caller's deadline: Do returns the context's
// error, sends nothing more, and leaves no goroutine behind.
func TestSlowServerHonoursTheDeadlineAndLeaksNothing(t *testing.T) {
	// Not parallel: goleak looks at every goroutine in the process.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	release := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	for _, set := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		cfg  func(*Config)
	}{
		{"caller deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, func(*Config) {}},
		{"client timeout option", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, func(cfg *Config) { cfg.Timeout = 50 * time.Millisecond }},
	} {
		hits.Store(0)
		c := newTestClient(t, srv.URL, srv.Client(), set.cfg)
		ctx, cancel := set.ctx()
		_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "v1/conversations"}, nil)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded, set.name)
		assert.Contains(t, err.Error(), "munin: GET /v1/conversations: ", set.name)
		assert.EqualValues(t, 1, hits.Load(), set.name)
	}
}

// The context ends while Do waits out a backoff: it returns at once.
func TestContextEndsTheBackoffWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{httpmock.NewStringResponder(http.StatusServiceUnavailable, "")}}
	mt.RegisterResponder(http.MethodGet, testBase+"v1/thing", seq.Responder)
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		cfg.RetryWaitMin = time.Hour
		cfg.RetryWaitMax = time.Hour
		// The retry line is logged just before the wait starts: the caller
		// gives up there, while the client would wait half an hour or more.
		cfg.Logger = slog.New(onMessage{"botbridge: retrying request", cancel})
	})
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "v1/thing"}, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, seq.Calls())
}

// onMessage is a slog.Handler that calls fn when a record has message msg.
type onMessage struct {
	msg string
	fn  func()
}

func (h onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h onMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.fn()
	}
	return nil
}
func (h onMessage) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onMessage) WithGroup(string) slog.Handler      { return h }
