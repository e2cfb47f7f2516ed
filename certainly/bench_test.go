package certainly

import (
	"context"
	"net/http"
	"testing"

	"github.com/botbridge/botbridge/internal/clienttest"
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
	clienttest.BenchServe(b, h, http.MethodPost, "/webhooks/certainly",
		http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + hookToken}},
		[]byte(docClaim), http.StatusNoContent)
}

// BenchmarkParseClaim parses the handover page's claim.
func BenchmarkParseClaim(b *testing.B) {
	clienttest.BenchParse(b, []byte(docClaim), ParseClaim)
}
