package moveo_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/webhookverify"
)

// A custom channel receives Moveo's events. The AI agent answers and hands
// the conversation to the desk; a human agent writes. The handler verifies
// each event, the Dispatcher renders it, and HandoffEvent tells the
// channel's handoff.Controller who owns the conversation, so the channel's
// own bot logic stays quiet while a human is in charge. Moveo's retry of an
// event is acknowledged without being handled twice.
func ExampleNewWebhookHandler() {
	ctx := context.Background()
	now := func() time.Time { return time.UnixMilli(1704067201000) } // time.Now in a real channel
	ctl, err := handoff.New(nil, handoff.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}

	render := &moveo.Dispatcher{
		OnBrainSend: func(_ context.Context, ev *moveo.BrainSendEvent) error {
			for _, r := range ev.Output.Responses {
				switch r := r.(type) {
				case moveo.Text:
					fmt.Println("AI agent:", r.Text)
				case moveo.Handover:
					fmt.Println("(handing over to department", r.DepartmentID+")")
				}
			}
			return nil
		},
		OnAgentMessage: func(_ context.Context, ev *moveo.AgentMessageEvent) error {
			fmt.Printf("%s: %s\n", ev.From.Name, ev.Body.Text)
			return nil
		},
	}
	const secret = "the integration's webhook_secret"
	webhook, err := moveo.NewWebhookHandler(secret, func(ctx context.Context, ev moveo.Event) error {
		if hev, ok := moveo.HandoffEvent(ev); ok {
			if _, err := ctl.Observe(ctx, hev); err != nil {
				return err // 500: Moveo delivers again
			}
		}
		return render.Handle(ctx, ev)
	}, moveo.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}

	// Moveo's signature: bare lowercase hex, which a BareHex verifier makes.
	signer, err := webhookverify.NewVerifier([][]byte{[]byte(secret)}, webhookverify.WithEncoding(webhookverify.BareHex))
	if err != nil {
		fmt.Println(err)
		return
	}
	deliver := func(body string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/moveo", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(moveo.HeaderSignature, signer.Sign([]byte(body)))
		rec := httptest.NewRecorder()
		webhook.ServeHTTP(rec, req)
		return rec.Code
	}
	botMayAnswer := func() bool {
		d, err := ctl.Decide(ctx, "0b9f3c1e-5a7d-4e2b-9c8f-1d2e3f4a5b6c")
		return err == nil && d.Allow
	}

	const base = `"session_id":"0b9f3c1e-5a7d-4e2b-9c8f-1d2e3f4a5b6c","integration_id":"5e1c7a9b-2d4f-4a6c-8e0b-3f5d7b9a1c2e","timestamp":1704067200000`
	fmt.Println("status:", deliver(`{"event_type":"message:brain_send","request_id":"req-1",`+base+`,"output":{"responses":[`+
		`{"type":"text","text":"Let me find someone for you."},{"type":"handover","department_id":"billing"}]}}`))
	fmt.Println("bot may answer:", botMayAnswer())

	agentMessage := `{"event_type":"message:send","request_id":"req-2",` + base + `,` +
		`"from":{"agent_id":"agent-7","agent_name":"Sarah"},"to":{"user_id":"user-1"},"body":{"text":"Hi, I'm Sarah from billing."}}`
	fmt.Println("status:", deliver(agentMessage))
	fmt.Println("retry status:", deliver(agentMessage))
	fmt.Println("bot may answer:", botMayAnswer())

	fmt.Println("status:", deliver(`{"event_type":"conversation:closed","request_id":"req-3",`+base+`,"status":"resolved","agent_id":"agent-7"}`))
	fmt.Println("bot may answer:", botMayAnswer())
	// Output:
	// AI agent: Let me find someone for you.
	// (handing over to department billing)
	// status: 204
	// bot may answer: false
	// Sarah: Hi, I'm Sarah from billing.
	// status: 204
	// retry status: 200
	// bot may answer: false
	// status: 204
	// bot may answer: true
}
