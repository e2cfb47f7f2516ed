package munin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/webhookverify"
)

// Budgets (BENCHMARKS.md, "munin"): ParseEvent of a message.sent delivery
// faster than json.Unmarshal of the same bytes into a map[string]any; the
// whole webhook handler (verify, parse, dedupe, dispatch to a no-op
// callback, through an httptest.ResponseRecorder) for a ~300-byte delivery
// ≤ 10 µs/op and ≤ 25 allocs/op.

// benchDelivery is a conversation.message.sent delivery as Munin sends it
// (§3.2: compact, envelope keys in order, payload keys shorter first),
// created at.
func benchDelivery(at time.Time) []byte {
	return []byte(`{"type":"conversation.message.sent","id":"evt_0k2m9x7q1w3e5r7t9y1u3i","orgId":"` + evtOrg +
		`","correlationId":"` + evtCorr + `","createdAt":"` + at.UTC().Format("2006-01-02T15:04:05.000Z") +
		`","payload":{"internal":false,"messageId":"` + evtMsg + `","authorType":"user","conversationId":"` + evtConv + `"}}`)
}

var benchSink any

func BenchmarkParseEvent(b *testing.B) {
	body := benchDelivery(evtCreatedAt)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ev, err := munin.ParseEvent(body)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = ev
	}
}

// BenchmarkParseEventMap is the yardstick: the same bytes decoded by
// encoding/json into a map[string]any.
func BenchmarkParseEventMap(b *testing.B) {
	body := benchDelivery(evtCreatedAt)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			b.Fatal(err)
		}
		benchSink = m
	}
}

// benchBody is a request body that can be rewound, so that one request
// serves every iteration.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

// BenchmarkWebhookHandler serves one delivery per iteration through the
// handler as configured by default (time.Now clock,
// webhookverify.MemoryDeduper), each with a fresh delivery id so that every
// one reaches the callback. The ids and the signature are made before the
// timer starts; the recorder is made
// inside it, as a server makes a response per request.
func BenchmarkWebhookHandler(b *testing.B) {
	body := benchDelivery(time.Now())
	h, err := munin.NewWebhookHandler(whSecret, func(context.Context, munin.Event) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	const ids = 1 << 16 // > webhookverify.DefaultDedupeCapacity: a reused id was forgotten long ago
	deliveryIDs := make([][]string, ids)
	for i := range deliveryIDs {
		deliveryIDs[i] = []string{fmt.Sprintf("whd_%022d", i)}
	}
	rb := &benchBody{}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/munin", nil)
	req.Body, req.ContentLength = rb, int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(munin.HeaderEvent, munin.TypeMessageSent)
	req.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(whSecret), body))

	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rb.Reset(body)
		req.Header[munin.HeaderDeliveryID] = deliveryIDs[i%ids]
		i++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
