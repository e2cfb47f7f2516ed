package certainly

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/botbridge/botbridge/webhookverify"
)

// BenchmarkWebhookClaim sends the handover page's claim through the
// webhook handler's ServeHTTP: bearer check, body read, parse, a no-op
// callback, 204.
func BenchmarkWebhookClaim(b *testing.B) {
	auth, err := webhookverify.BearerToken(hookToken)
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewWebhookHandler(func(context.Context, Event) error { return nil }, WithAuthenticator(auth))
	if err != nil {
		b.Fatal(err)
	}
	body := strings.NewReader(docClaim)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/certainly", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+hookToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		b.Fatalf("status %d", rec.Code)
	}
	w := &discardWriter{header: http.Header{}}
	b.SetBytes(int64(len(docClaim)))
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(docClaim)
		h.ServeHTTP(w, req)
		if w.status != http.StatusNoContent {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkParseClaim parses the handover page's claim.
func BenchmarkParseClaim(b *testing.B) {
	body := []byte(docClaim)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseClaim(body); err != nil {
			b.Fatal(err)
		}
	}
}

// discardWriter is a ResponseWriter that keeps the status only, so the
// benchmark measures the handler and not a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
