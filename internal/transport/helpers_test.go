package transport

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

const testBase = "https://api.example.test/api/"

// newTestClient builds a client with millisecond waits and a jitter that
// always picks the top of its range, so a test's delays are known.
func newTestClient(t *testing.T, base string, hc *http.Client, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig("munin", base)
	cfg.HTTPClient = hc
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 5 * time.Millisecond
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	c.jitter = func(n int64) int64 { return n - 1 }
	return c
}

// mockClient returns an *http.Client over a fresh httpmock transport: tests
// stay parallel because nothing is activated globally.
func mockClient() (*http.Client, *httpmock.MockTransport) {
	mt := httpmock.NewMockTransport()
	return &http.Client{Transport: mt}, mt
}

// sequence answers with the given responders in turn, the last one for
// every further call, and records each request's headers and body.
type sequence struct {
	mu        sync.Mutex
	responses []httpmock.Responder
	Headers   []http.Header
	Bodies    []string
}

func (s *sequence) Responder(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := len(s.Headers)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	s.Headers = append(s.Headers, req.Header.Clone())
	s.Bodies = append(s.Bodies, string(body))
	r := s.responses[min(n, len(s.responses)-1)]
	s.mu.Unlock()
	return r(req)
}

func (s *sequence) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Headers)
}

// jsonResponder answers status with v encoded as JSON and extra headers.
func jsonResponder(status int, v any, header ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		resp := httpmock.NewBytesResponse(status, b)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		return resp, nil
	}
}

// hangUpServer reads each request whole and closes the connection without
// answering: the request arrived, the response never came. It counts the
// requests it received.
func hangUpServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	hits := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.ReadAll(r.Body)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}
