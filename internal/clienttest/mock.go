package clienttest

import (
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// Request is one request a Mock received, as the client sent it.
type Request struct {
	// Method is the HTTP method.
	Method string
	// URL is the full URL.
	URL string
	// Path is the URL's path, escaped as it went on the wire.
	Path string
	// RawQuery is the query as sent, without the "?".
	RawQuery string
	// Query is RawQuery decoded.
	Query url.Values
	// Header is a copy of the request's header.
	Header http.Header
	// Body is the whole body; empty when there was none.
	Body []byte
}

// Mock is a vendor API on an httpmock transport that records every
// request, matched or not. A route answers with its responders in turn,
// the last one for every further call. A request no route matches fails
// the test, unless Fallback says what to answer.
//
// A Mock is safe for concurrent use.
type Mock struct {
	t           testing.TB
	mt          *httpmock.MockTransport
	host        string
	noRouteBody string

	mu       sync.Mutex
	reqs     []Request
	fallback func(req *http.Request, n int) (*http.Response, error)
}

// NewMock returns a Mock of the API at host (scheme and authority, such as
// "https://moveo.test"). A request no route matches fails t and is answered
// 418 with noRouteBody, which should be the vendor's error shape so that
// the client's error path runs as it would.
func NewMock(t testing.TB, host, noRouteBody string) *Mock {
	t.Helper()
	m := &Mock{t: t, mt: httpmock.NewMockTransport(), host: host, noRouteBody: noRouteBody}
	m.mt.RegisterNoResponder(m.noRoute)
	return m
}

func (m *Mock) noRoute(req *http.Request) (*http.Response, error) {
	n := m.record(req)
	m.mu.Lock()
	fallback := m.fallback
	m.mu.Unlock()
	if fallback != nil {
		return fallback(req, n)
	}
	m.t.Errorf("unexpected request %s %s", req.Method, req.URL.Redacted())
	return httpmock.NewStringResponse(http.StatusTeapot, m.noRouteBody), nil
}

// HTTPClient returns a client that sends through the Mock, to hand to the
// vendor package's WithHTTPClient.
func (m *Mock) HTTPClient() *http.Client { return &http.Client{Transport: m.mt} }

// Transport is the Mock's transport, for a test that wraps it (a
// transport that refuses dials first) or asks httpmock for call counts.
// A request sent through it is recorded like any other.
func (m *Mock) Transport() *httpmock.MockTransport { return m.mt }

// On routes method and path (escaped, from the host on, such as
// "/base/v1/human/close") to responders, answered in turn, the last one for
// every further call.
func (m *Mock) On(method, path string, responders ...httpmock.Responder) {
	m.t.Helper()
	m.OnURL(method, m.host+path, responders...)
}

// OnURL is On for a full URL, such as a storage host's or another region's.
func (m *Mock) OnURL(method, url string, responders ...httpmock.Responder) {
	m.t.Helper()
	require.NotEmpty(m.t, responders, "a route needs a responder")
	var n atomic.Int64
	m.mt.RegisterResponder(method, url, func(req *http.Request) (*http.Response, error) {
		m.record(req)
		return InTurn(int(n.Add(1)-1), responders...)(req)
	})
}

// Fallback answers every request no route matches with f instead of failing
// the test; n is how many requests the Mock received before this one
// (routed or not), so InTurn(n, ...) answers a sequence.
func (m *Mock) Fallback(f func(req *http.Request, n int) (*http.Response, error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = f
}

// record stores req and returns how many requests came before it.
func (m *Mock) record(req *http.Request) int {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r := Request{
		Method:   req.Method,
		URL:      req.URL.String(),
		Path:     req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery,
		Query:    req.URL.Query(),
		Header:   req.Header.Clone(),
		Body:     body,
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, r)
	return len(m.reqs) - 1
}

// Requests returns what the Mock received, in order.
func (m *Mock) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Request(nil), m.reqs...)
}

// Only returns the one request the Mock received, and stops the test when
// it received none or more than one.
func (m *Mock) Only() Request {
	m.t.Helper()
	reqs := m.Requests()
	require.Len(m.t, reqs, 1)
	return reqs[0]
}

// InTurn returns the responder for the call numbered n (from 0): the n-th
// of responders, the last one for every call after. With no responders it
// answers 200 with an empty body.
func InTurn(n int, responders ...httpmock.Responder) httpmock.Responder {
	if len(responders) == 0 {
		return func(*http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(http.StatusOK, ""), nil
		}
	}
	return responders[min(max(n, 0), len(responders)-1)]
}
