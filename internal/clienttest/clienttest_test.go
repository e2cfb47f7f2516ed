package clienttest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/transport"
)

// fakeT is a testing.TB that records failures instead of failing the test
// running it, so that a test can check a helper fails when it must.
// FailNow stops the function under check (see stops), as it would stop a
// test.
type fakeT struct {
	*testing.T // what is not overridden; never reached by the helpers

	mu     sync.Mutex
	errors []string
}

func newFakeT(t *testing.T) *fakeT { return &fakeT{T: t} }

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// errFailNow is what FailNow panics with, for stops to recover.
var errFailNow = errors.New("FailNow")

func (f *fakeT) FailNow() { panic(errFailNow) }

func (f *fakeT) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// stops runs fn and reports whether it called FailNow.
func stops(fn func()) (stopped bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != errFailNow {
				panic(r)
			}
			stopped = true
		}
	}()
	fn()
	return false
}

const host = "https://vendor.test"

func send(t *testing.T, c *http.Client, method, url, body string, header http.Header) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestMockRecordsAndAnswersInTurn(t *testing.T) {
	t.Parallel()
	m := NewMock(t, host, `{"code":"no_route"}`)
	m.On(http.MethodPost, "/base/v1/messages", Answer(http.StatusCreated, `{"n":1}`), Answer(http.StatusAccepted, `{"n":2}`))
	c := m.HTTPClient()

	var statuses []int
	for i := range 3 {
		resp := send(t, c, http.MethodPost, host+"/base/v1/messages?since=a%20b&limit=2", fmt.Sprintf(`{"i":%d}`, i),
			http.Header{"Authorization": {"Bearer k"}})
		statuses = append(statuses, resp.StatusCode)
	}
	assert.Equal(t, []int{http.StatusCreated, http.StatusAccepted, http.StatusAccepted}, statuses, "the last responder answers every further call")

	reqs := m.Requests()
	require.Len(t, reqs, 3)
	r := reqs[1]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, host+"/base/v1/messages?since=a%20b&limit=2", r.URL)
	assert.Equal(t, "/base/v1/messages", r.Path)
	assert.Equal(t, "since=a%20b&limit=2", r.RawQuery)
	assert.Equal(t, "a b", r.Query.Get("since"))
	assert.Equal(t, "Bearer k", r.Header.Get("Authorization"))
	assert.JSONEq(t, `{"i":1}`, string(r.Body))
}

// Path is the escaped path: an id with a slash stays one segment.
func TestMockPathIsEscaped(t *testing.T) {
	t.Parallel()
	m := NewMock(t, host, `{}`)
	m.On(http.MethodGet, "/base/v1/sessions/a%2Fb", Answer(http.StatusOK, `{}`))
	send(t, m.HTTPClient(), http.MethodGet, host+"/base/v1/sessions/a%2Fb", "", nil)
	assert.Equal(t, "/base/v1/sessions/a%2Fb", m.Only().Path)
}

func TestMockOnURL(t *testing.T) {
	t.Parallel()
	m := NewMock(t, host, `{}`)
	m.OnURL(http.MethodPut, "https://storage.test/up", Answer(http.StatusOK, ``))
	assert.Equal(t, http.StatusOK, send(t, m.HTTPClient(), http.MethodPut, "https://storage.test/up", "data", nil).StatusCode)
	assert.Equal(t, "data", string(m.Only().Body))
}

// A request the test did not route fails it, is recorded, and gets the
// vendor's error shape back.
func TestMockUnexpectedRequestFailsTheTest(t *testing.T) {
	t.Parallel()
	ft := newFakeT(t)
	m := NewMock(ft, host, `{"code":"no_route"}`)
	m.On(http.MethodGet, "/base/v1/a", Answer(http.StatusOK, `{}`))
	resp := send(t, m.HTTPClient(), http.MethodGet, "https://user:pa55word@vendor.test/v1/a", "", nil)
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, `{"code":"no_route"}`, string(body))
	require.Len(t, ft.failures(), 1)
	assert.Contains(t, ft.failures()[0], "unexpected request GET https://user:xxxxx@vendor.test/v1/a")
	assert.NotContains(t, ft.failures()[0], "pa55word")
	assert.Equal(t, "/v1/a", m.Only().Path, "recorded like any other")
}

// Fallback answers what no route matches, numbering every request the
// mock received.
func TestMockFallback(t *testing.T) {
	t.Parallel()
	ft := newFakeT(t)
	m := NewMock(ft, host, `{}`)
	m.On(http.MethodGet, "/routed", Answer(http.StatusOK, `{}`))
	var seen []int
	m.Fallback(func(req *http.Request, n int) (*http.Response, error) {
		seen = append(seen, n)
		return InTurn(n, Answer(http.StatusCreated, ``), Answer(http.StatusAccepted, ``), Answer(http.StatusNoContent, ``))(req)
	})
	c := m.HTTPClient()
	assert.Equal(t, http.StatusCreated, send(t, c, http.MethodGet, host+"/other", "", nil).StatusCode)
	assert.Equal(t, http.StatusOK, send(t, c, http.MethodGet, host+"/routed", "", nil).StatusCode)
	assert.Equal(t, http.StatusNoContent, send(t, c, http.MethodGet, host+"/other", "", nil).StatusCode)
	assert.Equal(t, []int{0, 2}, seen)
	assert.Empty(t, ft.failures())
	assert.Len(t, m.Requests(), 3)
}

func TestMockOnly(t *testing.T) {
	t.Parallel()
	ft := newFakeT(t)
	m := NewMock(ft, host, `{}`)
	m.On(http.MethodGet, "/a", Answer(http.StatusOK, `{}`))
	assert.True(t, stops(func() { m.Only() }), "no request")
	send(t, m.HTTPClient(), http.MethodGet, host+"/a", "", nil)
	assert.False(t, stops(func() { assert.Equal(t, "/a", m.Only().Path) }))
	send(t, m.HTTPClient(), http.MethodGet, host+"/a", "", nil)
	assert.True(t, stops(func() { m.Only() }), "two requests")
}

func TestMockRouteNeedsAResponder(t *testing.T) {
	t.Parallel()
	m := NewMock(newFakeT(t), host, `{}`)
	assert.True(t, stops(func() { m.On(http.MethodGet, "/a") }))
}

// Requests from many goroutines are all recorded, each route's in turn.
func TestMockConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMock(t, host, `{}`)
	m.On(http.MethodPost, "/a", Answer(http.StatusOK, `{}`))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { send(t, m.HTTPClient(), http.MethodPost, host+"/a", `{}`, nil) })
	}
	wg.Wait()
	assert.Len(t, m.Requests(), 20)
	assert.Equal(t, 20, m.Transport().GetCallCountInfo()["POST "+host+"/a"])
}

func TestInTurn(t *testing.T) {
	t.Parallel()
	a, b := Answer(http.StatusCreated, ``), Answer(http.StatusAccepted, ``)
	status := func(r httpmock.Responder) int {
		resp, err := r(nil)
		require.NoError(t, err)
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusCreated, status(InTurn(0, a, b)))
	assert.Equal(t, http.StatusAccepted, status(InTurn(1, a, b)))
	assert.Equal(t, http.StatusAccepted, status(InTurn(7, a, b)))
	assert.Equal(t, http.StatusCreated, status(InTurn(-1, a, b)))
	assert.Equal(t, http.StatusOK, status(InTurn(3)), "none: 200")
}

func TestAnswer(t *testing.T) {
	t.Parallel()
	limits := http.Header{"x-ratelimit-remaining": {"0"}, "Content-Type": {"application/json; charset=utf-8"}}
	r := Answer(http.StatusTooManyRequests, `{"code":42900}`, JSONHeader("req-1"), limits)
	limits.Set("X-Ratelimit-Remaining", "5") // copied when Answer was called

	for range 2 {
		resp, err := r(nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, http.Header{
			"Content-Type":          {"application/json; charset=utf-8"},
			"X-Request-Id":          {"req-1"},
			"X-Ratelimit-Remaining": {"0"},
		}, resp.Header)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, `{"code":42900}`, string(body))
		resp.Header.Set("X-Request-Id", "changed") // each answer has its own header
	}
}

func TestJSONHeader(t *testing.T) {
	t.Parallel()
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}}, JSONHeader("req-1"))
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}}, JSONHeader(""))
}

func TestBrokenConnection(t *testing.T) {
	t.Parallel()
	resp, err := BrokenConnection(nil)
	assert.Nil(t, resp)
	require.Error(t, err)
	var opErr *net.OpError
	assert.False(t, errors.As(err, &opErr), "not a dial error: the request may have been acted on")
}

// The first requests fail as a refused dial, close their body, and never
// reach the server; the later ones do.
func TestRefuseDials(t *testing.T) {
	t.Parallel()
	m := NewMock(t, host, `{}`)
	m.On(http.MethodPost, "/a", Answer(http.StatusOK, `{}`))
	rt := RefuseDials(2, m.Transport())
	for i := range 2 {
		body := &closeRecorder{Reader: strings.NewReader(`{}`)}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, host+"/a", body)
		require.NoError(t, err)
		resp, err := rt.RoundTrip(req)
		assert.Nil(t, resp, "request %d", i)
		var opErr *net.OpError
		require.ErrorAs(t, err, &opErr, "request %d", i)
		assert.Equal(t, "dial", opErr.Op)
		assert.True(t, body.closed, "request %d", i)
	}
	assert.Empty(t, m.Requests(), "refused dials never reach the server")
	resp := send(t, &http.Client{Transport: rt}, http.MethodPost, host+"/a", `{}`, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, m.Requests(), 1)
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestAssertRequest(t *testing.T) {
	t.Parallel()
	r := Request{
		Method: http.MethodPost,
		Path:   "/base/v1/close",
		Header: http.Header{"Authorization": {"Bearer k"}, "Accept": {"application/json"}},
		Body:   []byte(`{"b":2, "a":1}`),
	}
	ok := Expect{
		Method: http.MethodPost, Path: "/base/v1/close",
		Header: map[string][]string{"Authorization": {"Bearer k"}, "accept": {"application/json"}, "Origin": nil},
		JSON:   `{"a":1,"b":2}`,
	}
	ft := newFakeT(t)
	AssertRequest(ft, r, ok)
	assert.Empty(t, ft.failures())

	for name, edit := range map[string]func(*Expect, *Request){
		"method":          func(e *Expect, _ *Request) { e.Method = http.MethodPut },
		"path":            func(e *Expect, _ *Request) { e.Path = "/v1/close" },
		"header value":    func(e *Expect, _ *Request) { e.Header["Authorization"] = []string{"Bearer other"} },
		"header twice":    func(_ *Expect, r *Request) { r.Header.Add("Authorization", "Bearer k") },
		"header missing":  func(_ *Expect, r *Request) { r.Header.Del("Accept") },
		"header present":  func(_ *Expect, r *Request) { r.Header.Set("Origin", "https://shop.example") },
		"header empty":    func(_ *Expect, r *Request) { r.Header["Origin"] = []string{""} },
		"body":            func(e *Expect, _ *Request) { e.JSON = `{"a":1}` },
		"body not JSON":   func(_ *Expect, r *Request) { r.Body = []byte(`a=1&b=2`) },
		"body not wanted": func(e *Expect, _ *Request) { e.JSON, e.NoBody = "", true },
	} {
		want, got := ok, r
		want.Header = map[string][]string{}
		for k, vs := range ok.Header {
			want.Header[k] = vs
		}
		got.Header = r.Header.Clone()
		edit(&want, &got)
		ft := newFakeT(t)
		AssertRequest(ft, got, want)
		assert.Len(t, ft.failures(), 1, name)
	}

	ft = newFakeT(t)
	AssertRequest(ft, Request{Method: http.MethodGet, Path: "/a"}, Expect{Method: http.MethodGet, Path: "/a", NoBody: true})
	assert.Empty(t, ft.failures(), "no body, none wanted")
}

var (
	errVendorKind = errors.New("vendor: agent deleted")
	errOtherKind  = errors.New("vendor: parameter error")
)

func TestAssertAPIError(t *testing.T) {
	t.Parallel()
	apiErr := transport.NewAPIError("vendor", http.MethodPost, "/v1/close", http.StatusForbidden, "40378", "agent deleted", errVendorKind)
	apiErr.RequestID = "req-1"
	err := fmt.Errorf("closing: %w", apiErr)
	ok := WantAPIError{
		Status: http.StatusForbidden, Code: "40378", Message: "agent deleted", RequestID: "req-1",
		Method: http.MethodPost, Path: "/v1/close",
		Is: []error{errVendorKind, transport.ErrForbidden}, IsNot: []error{errOtherKind, transport.ErrNotFound},
	}
	ft := newFakeT(t)
	assert.Same(t, apiErr, AssertAPIError(ft, err, ok))
	assert.Empty(t, ft.failures())

	ft = newFakeT(t)
	AssertAPIError(ft, err, WantAPIError{Status: http.StatusForbidden, Code: "40378", Message: "agent deleted", RequestID: "req-1"})
	assert.Empty(t, ft.failures(), "Method and Path are not checked when empty")

	for name, edit := range map[string]func(*WantAPIError){
		"status":     func(w *WantAPIError) { w.Status = http.StatusBadRequest },
		"code":       func(w *WantAPIError) { w.Code = "" },
		"message":    func(w *WantAPIError) { w.Message = "" },
		"request id": func(w *WantAPIError) { w.RequestID = "" },
		"method":     func(w *WantAPIError) { w.Method = http.MethodGet },
		"path":       func(w *WantAPIError) { w.Path = "/v1/open" },
		"is":         func(w *WantAPIError) { w.Is = append(w.Is, errOtherKind) },
		"is not":     func(w *WantAPIError) { w.IsNot = append(w.IsNot, errVendorKind) },
	} {
		want := ok
		want.Is = append([]error(nil), ok.Is...)
		want.IsNot = append([]error(nil), ok.IsNot...)
		edit(&want)
		ft := newFakeT(t)
		AssertAPIError(ft, err, want)
		assert.Len(t, ft.failures(), 1, name)
	}

	ft = newFakeT(t)
	multi := transport.NewAPIError("vendor", http.MethodPost, "/v1/close", http.StatusForbidden, "40378", "agent deleted", nil)
	multi.Vendor = "vendor\nline"
	multi.RequestID = "req-1"
	AssertAPIError(ft, multi, WantAPIError{Status: http.StatusForbidden, Code: "40378", Message: "agent deleted", RequestID: "req-1"})
	assert.Len(t, ft.failures(), 1, "Error() must be one line")

	assert.True(t, stops(func() { AssertAPIError(newFakeT(t), errors.New("not an API error"), ok) }))
}

// leaky prints the key it holds; redacted does not.
type (
	leaky    struct{ Key string }
	redacted struct{ Key string }
)

// Format prints the same for every verb, %#v included.
func (redacted) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[REDACTED]") }

func TestAssertNotPrinted(t *testing.T) {
	t.Parallel()
	const secret = "sk_live_TmV2ZXJQcmludGVk"
	ft := newFakeT(t)
	AssertNotPrinted(ft, secret, redacted{Key: secret}, &redacted{Key: secret}, errors.New("refused"))
	assert.Empty(t, ft.failures())

	ft = newFakeT(t)
	AssertNotPrinted(ft, secret, leaky{Key: secret})
	assert.Len(t, ft.failures(), 5, "every verb but %x shows the key")

	assert.True(t, stops(func() { AssertNotPrinted(newFakeT(t), "", leaky{}) }), "an empty secret is found everywhere")
}

// serve rewinds the body, clears the header and counts a handler that
// writes no status as 200, as net/http does.
func TestServeLoop(t *testing.T) {
	t.Parallel()
	var bodies []string
	status := http.StatusNoContent
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		bodies = append(bodies, string(b))
		assert.Equal(t, "Bearer k", r.Header.Get("Authorization"))
		assert.Equal(t, int64(len(b)), r.ContentLength)
		assert.Empty(t, w.Header(), "each round starts with an empty header")
		w.Header().Set("Content-Type", "application/json")
		if status != 0 {
			w.WriteHeader(status)
			w.WriteHeader(http.StatusInternalServerError) // ignored, as by net/http
		}
		_, _ = w.Write([]byte(`{}`))
	})
	s := newServeLoop(h, http.MethodPost, "/hook", http.Header{"authorization": {"Bearer k"}}, []byte(`{"a":1}`))
	assert.Equal(t, http.StatusNoContent, s.serve())
	assert.Equal(t, http.StatusNoContent, s.serve())
	status = 0
	assert.Equal(t, http.StatusOK, s.serve())
	assert.Equal(t, []string{`{"a":1}`, `{"a":1}`, `{"a":1}`}, bodies)
}

func TestBenchServe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a benchmark for about a second")
	}
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	res := testing.Benchmark(func(b *testing.B) {
		BenchServe(b, h, http.MethodPost, "/hook", nil, []byte(`{"a":1}`), http.StatusNoContent)
	})
	assert.Positive(t, res.N)
	assert.Equal(t, int64(len(`{"a":1}`)), res.Bytes)
}

func TestBenchParse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a benchmark for about a second")
	}
	t.Parallel()
	var calls int
	res := testing.Benchmark(func(b *testing.B) {
		BenchParse(b, []byte(`{"a":1}`), func(body []byte) (int, error) {
			calls++
			return len(body), nil
		})
	})
	assert.Positive(t, res.N)
	assert.Positive(t, calls)
	assert.Equal(t, int64(len(`{"a":1}`)), res.Bytes)
}

func TestJSONCall(t *testing.T) {
	t.Parallel()
	assert.Equal(t, map[string][]string{
		"Authorization": {"Bearer k"},
		"Content-Type":  {"application/json"},
		"Accept":        {"application/json"},
	}, JSONCall("Bearer k"))
	a := JSONCall("Bearer k")
	delete(a, "Content-Type")
	assert.Contains(t, JSONCall("Bearer k"), "Content-Type", "each call returns its own map")
}
