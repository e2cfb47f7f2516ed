package clienttest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchServe measures h serving one request again and again: method to
// target with header and body, the body rewound before each round and the
// answer written to a writer that keeps only the status, so the benchmark
// measures the handler and not a recorder. Every answer must have status
// want, the first one before the clock starts.
func BenchServe(b *testing.B, h http.Handler, method, target string, header http.Header, body []byte, want int) {
	b.Helper()
	s := newServeLoop(h, method, target, header, body)
	if got := s.serve(); got != want {
		b.Fatalf("status %d, want %d", got, want)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if got := s.serve(); got != want {
			b.Fatalf("status %d, want %d", got, want)
		}
	}
}

// BenchParse measures parse decoding body, which must succeed every time.
func BenchParse[T any](b *testing.B, body []byte, parse func([]byte) (T, error)) {
	b.Helper()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// serveLoop is one request, ready to be served again and again.
type serveLoop struct {
	h    http.Handler
	req  *http.Request
	rd   *bytes.Reader
	body []byte
	w    *statusWriter
}

func newServeLoop(h http.Handler, method, target string, header http.Header, body []byte) *serveLoop {
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(method, target, nil)
	req.Body = io.NopCloser(rd)
	req.ContentLength = int64(len(body))
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	return &serveLoop{h: h, req: req, rd: rd, body: body, w: &statusWriter{header: http.Header{}}}
}

// serve serves the request once more and returns the status of the answer.
func (s *serveLoop) serve() int {
	s.rd.Reset(s.body)
	clear(s.w.header)
	s.w.status = 0
	s.h.ServeHTTP(s.w, s.req)
	if s.w.status == 0 {
		return http.StatusOK // as net/http: a handler that writes no status answers 200
	}
	return s.w.status
}

// statusWriter is a ResponseWriter that keeps only the status.
type statusWriter struct {
	header http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
