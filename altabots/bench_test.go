package altabots

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// noopDesk accepts every call.
type noopDesk struct{}

func (noopDesk) Establish(context.Context, *EstablishRequest) error { return nil }
func (noopDesk) Chat(context.Context, *ChatRequest) error           { return nil }
func (noopDesk) Close(context.Context, *CloseRequest) error         { return nil }

// discardWriter is a ResponseWriter that keeps only the status, so the
// benchmark measures the handler and not a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkHandlerEstablish serves the handoff page's establish body:
// route, method, bearer token (constant-time), Content-Type, body read
// through the cap, decode and validation, a no-op Desk, and the success
// answer. Budget: ≤ 15 µs/op.
//
//	go test -run '^$' -bench BenchmarkHandlerEstablish -benchmem -count 6 ./altabots/
func BenchmarkHandlerEstablish(b *testing.B) {
	h, err := NewHandler(noopDesk{}, WithAuthenticator(bearer(b)))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(docEstablish)
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(http.MethodPost, DefaultEstablishPath, nil)
	req.Body = io.NopCloser(rd)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	w := &discardWriter{header: http.Header{}}

	h.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, req)
	}
	if w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkParseEstablish is the decoding share of the above.
func BenchmarkParseEstablish(b *testing.B) {
	body := []byte(docEstablish)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEstablish(body); err != nil {
			b.Fatal(err)
		}
	}
}
