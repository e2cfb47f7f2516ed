package munin_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/webhookverify"
)

// A human replies from Munin's dashboard. Munin delivers a signed
// conversation.message.sent by "user"; the webhook handler verifies it and
// hands it to the callback, which turns it into a handoff event for the
// bot's controller. Asked before it speaks, the controller tells the bot to
// stay quiet until 30 minutes after the reply. Munin's retry of the same
// delivery is acknowledged without reaching the callback again.
func ExampleNewWebhookHandler() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 7, 2, 10, 0, 1, 0, time.UTC) } // time.Now in a real bot
	ctl, err := handoff.New(nil, handoff.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}

	const secret = "whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA" // as Munin showed it when the webhook was created
	webhook, err := munin.NewWebhookHandler(secret, func(ctx context.Context, ev munin.Event) error {
		if hev, ok := munin.HandoffEvent(ev); ok {
			_, err := ctl.Observe(ctx, hev)
			return err // an error answers 500, and Munin delivers again
		}
		return nil
	}, munin.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}

	// What Munin sends (munin-api-reference §3.2).
	body := []byte(`{"type":"conversation.message.sent","id":"evt_0k2m9x7q1w3e5r7t9y1u3i","orgId":"org_2b4d6f8h0j2l4n6p8r0t2v",` +
		`"correlationId":null,"createdAt":"2026-07-02T10:00:00.123Z","payload":{"internal":false,` +
		`"messageId":"cvm_8d6f4h2j0k8l6z4x2c0v8b","authorType":"user","conversationId":"ccv_1q3w5e7r9t1y3u5i7o9p1a"}}`)
	deliver := func() int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/munin", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(secret), body))
		req.Header.Set(munin.HeaderEvent, "conversation.message.sent")
		req.Header.Set(munin.HeaderDeliveryID, "whd_4f6h8j0k2l4z6x8c0v2b4n")
		rec := httptest.NewRecorder()
		webhook.ServeHTTP(rec, req)
		return rec.Code
	}

	fmt.Println("delivery:", deliver())
	fmt.Println("retry:   ", deliver())

	d, err := ctl.Decide(ctx, "ccv_1q3w5e7r9t1y3u5i7o9p1a")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("bot may reply: %t (%s until %s)\n", d.Allow, d.Reason, d.Until.Format("15:04"))
	// Output:
	// delivery: 204
	// retry:    200
	// bot may reply: false (human active until 10:30)
}

// ParseEvent gives a concrete type to switch on, and an *UnknownEvent, with
// no error, for the types this package does not know.
func ExampleParseEvent() {
	for _, body := range []string{
		`{"type":"conversation.taken_over","id":"evt_1","orgId":"org_1","correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z",` +
			`"payload":{"holderId":"Xk3PqL9mZ2vR7tY4wB8nC1dF6gH0jS5a","expiresAt":"2026-07-02T10:30:00.000Z","holderType":"user","conversationId":"ccv_1"}}`,
		`{"type":"api_key.minted","id":"evt_2","orgId":"org_1","correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z","payload":{"keyId":"akey_1"}}`,
		`{"type":"conversation.message.sent","createdAt":"yesterday","payload":{}}`,
	} {
		ev, err := munin.ParseEvent([]byte(body))
		switch ev := ev.(type) {
		case *munin.TakenOverEvent:
			fmt.Printf("%s taken over for %s\n", ev.ConversationID, ev.ExpiresAt.Sub(ev.CreatedAt))
		case *munin.UnknownEvent:
			fmt.Printf("ignoring %s\n", ev.Type)
		default:
			fmt.Println(err)
		}
	}
	// Output:
	// ccv_1 taken over for 30m0s
	// ignoring api_key.minted
	// munin: event: createdAt: "yesterday" is not an RFC 3339 time
}
