package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A transport that runs no HTTP trace gives no evidence that a request did
// not arrive: a POST that failed there is not sent again.
func TestFailedPOSTWithoutEvidenceIsNotResent(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	seq := &sequence{responses: []httpmock.Responder{httpmock.NewErrorResponder(errors.New("connection reset by peer"))}}
	mt.RegisterResponder(http.MethodPost, testBase+"v1/conversations/c1/messages", seq.Responder)
	mt.RegisterResponder(http.MethodGet, testBase+"v1/conversations/c1", seq.Responder)
	c := newTestClient(t, testBase, hc)

	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/conversations/c1/messages", Body: struct{}{}}, nil)
	assert.EqualError(t, err, "munin: POST /v1/conversations/c1/messages: connection reset by peer (attempts: 1)")
	assert.Equal(t, 1, seq.Calls())

	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/conversations/c1"}, nil)
	assert.ErrorContains(t, err, "(attempts: 4)")
	assert.Equal(t, 5, seq.Calls(), "an idempotent GET is retried all the same")
}

// The same through a wrapper that forwards on a fresh context, where the
// trace cannot see: the server got the POST once.
func TestFailedPOSTBehindAnUntracedWrapperIsNotResent(t *testing.T) {
	t.Parallel()
	srv, hits := hangUpServer(t)
	base := srv.Client().Transport
	wrapper := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return base.RoundTrip(r.Clone(context.Background()))
	})
	c := newTestClient(t, srv.URL, &http.Client{Transport: wrapper})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x", Body: struct{}{}}, nil)
	require.Error(t, err)
	assert.EqualValues(t, 1, hits.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A redirect is an error: following it would replay the credential to the
// target, over plain http too, and turn the POST into a GET.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var targetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		fmt.Fprint(w, `{"inserted":1}`)
	}))
	defer target.Close()
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	}))
	defer origin.Close()
	c := newTestClient(t, origin.URL, origin.Client(), func(cfg *Config) {
		cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer SECRET") }
	})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x", Body: struct{}{}}, &pushResult{})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusFound, apiErr.StatusCode)
	assert.Equal(t, "munin: POST /v1/x: 302 Found", err.Error())
	assert.Zero(t, targetHits.Load())
}

// closeCounter counts CloseIdleConnections calls on a caller's transport.
type closeCounter struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *closeCounter) CloseIdleConnections() { c.closes.Add(1) }

func TestFailedCallsLeaveTheCallersConnectionsAlone(t *testing.T) {
	t.Parallel()
	_, mt := mockClient()
	mt.RegisterNoResponder(httpmock.NewStringResponder(http.StatusServiceUnavailable, ""))
	rt := &closeCounter{RoundTripper: mt}
	c := newTestClient(t, testBase, &http.Client{Transport: rt})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x"}, nil)
	require.Error(t, err)
	assert.Zero(t, rt.closes.Load())
}

// trackedBody is a response body that records whether it was closed.
type trackedBody struct {
	io.Reader
	closed *atomic.Int32
}

func (b trackedBody) Close() error { b.closed.Add(1); return nil }

// numbered answers status with {"message":"attempt N"} and tracks closes.
func numbered(status int, closed *atomic.Int32, header ...string) httpmock.Responder {
	var n atomic.Int32
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, fmt.Sprintf(`{"message":"attempt %d"}`, n.Add(1)))
		resp.Body = trackedBody{Reader: resp.Body, closed: closed}
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		return resp, nil
	}
}

// When the retries run out, the error describes the last answer, and every
// answer's body was closed.
func TestExhaustedRetriesReportTheLastAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method  string
		status  int
		attempt string
	}{
		{http.MethodGet, http.StatusServiceUnavailable, "attempt 4"},
		{http.MethodPost, http.StatusBadGateway, "attempt 1"},
		{http.MethodGet, http.StatusNotFound, "attempt 1"},
	} {
		hc, mt := mockClient()
		var closed atomic.Int32
		mt.RegisterNoResponder(numbered(tt.status, &closed))
		c := newTestClient(t, testBase, hc)
		_, err := c.Do(context.Background(), &Request{Method: tt.method, Path: "v1/x"}, nil)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, tt.attempt, apiErr.Message, "%s %d", tt.method, tt.status)
		assert.EqualValues(t, mt.GetTotalCallCount(), closed.Load(), "every body closed")
	}
}

// go-retryablehttp asks the policy twice per attempt; when the answer flips
// in between (an HTTP-date crossed), the error still describes the last
// attempt and no body is left open.
func TestRetryDecisionIsStablePerResponse(t *testing.T) {
	t.Parallel()
	hc, mt := mockClient()
	var closed atomic.Int32
	mt.RegisterNoResponder(numbered(http.StatusTooManyRequests, &closed, "Retry-After", "x"))
	var calls atomic.Int32
	c := newTestClient(t, testBase, hc, func(cfg *Config) {
		// Within the cap on odd calls, over it on even ones.
		cfg.RetryAfter = func(http.Header, time.Time) (time.Duration, bool) {
			if calls.Add(1)%2 == 0 {
				return time.Hour, true
			}
			return time.Millisecond, true
		}
	})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x"}, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, fmt.Sprintf("attempt %d", mt.GetTotalCallCount()), apiErr.Message)
	assert.EqualValues(t, mt.GetTotalCallCount(), closed.Load())
	assert.EqualValues(t, mt.GetTotalCallCount(), calls.Load(), "one reading of Retry-After per response")
}

// A deadline that passes while the body is still arriving.
func TestDeadlineDuringTheBodyRead(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, `{"inserted":`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, srv.Client(), func(cfg *Config) { cfg.Timeout = 50 * time.Millisecond })
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "v1/x"}, &pushResult{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// Log lines carry the caller's context, so a context-aware handler can add
// its trace id to the retry line too.
func TestLogLinesCarryTheCallersContext(t *testing.T) {
	t.Parallel()
	type traceKey struct{}
	hc, mt := mockClient()
	mt.RegisterNoResponder(httpmock.NewStringResponder(http.StatusBadGateway, ""))
	h := &ctxRecorder{}
	c := newTestClient(t, testBase, hc, func(cfg *Config) { cfg.Logger = slog.New(h) })
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-7")
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "v1/x"}, nil)
	require.Error(t, err)
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.values, 7, "4 attempts and 3 retries")
	for _, ctx := range h.values {
		assert.Equal(t, "trace-7", ctx.Value(traceKey{}))
	}
}

type ctxRecorder struct {
	mu     sync.Mutex
	values []context.Context
}

func (h *ctxRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *ctxRecorder) Handle(ctx context.Context, _ slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.values = append(h.values, ctx)
	return nil
}
func (h *ctxRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *ctxRecorder) WithGroup(string) slog.Handler      { return h }

// A connection asked for and never obtained is evidence that the request did
// not arrive, whatever the error looks like: a POST is sent again.
func TestPOSTThatNeverGotAConnectionIsResent(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	rt := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("connection pool exhausted")
	}}
	c := newTestClient(t, "http://api.example.test/", &http.Client{Transport: rt})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "v1/x", Body: struct{}{}}, nil)
	assert.ErrorContains(t, err, "connection pool exhausted (attempts: 4)")
	assert.EqualValues(t, 4, dials.Load())
}
