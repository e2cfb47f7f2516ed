package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/botbridge/botbridge/moveo/moveotest"
	"github.com/botbridge/botbridge/webhookverify"
)

// A credential is what a sample webhook is signed (or authenticated) with:
// a demo value everyone can see, unless the environment names another.
type credential struct {
	env, demo string
}

// value returns the environment's value, or the demo one; fromEnv says
// which, so that a developer's own secret is never printed.
func (c credential) value() (v string, fromEnv bool) {
	if v := strings.TrimSpace(os.Getenv(c.env)); v != "" {
		return v, true
	}
	return c.demo, false
}

// vendor describes how one vendor delivers webhooks.
type vendor struct {
	name       string
	credential credential
	how        string // the header the receiver checks
	// sign sets the headers that authenticate body.
	sign func(h http.Header, body []byte, secret, typ string)
	// samples are the bodies of each type, from the vendor's docs, with
	// fresh ids and the current time.
	samples map[string]func(now time.Time, id string) any
}

var vendors = map[string]vendor{
	"munin": {
		name:       "Munin",
		credential: credential{"MUNIN_WEBHOOK_SECRET", "whsec_botbridge-mockserver-demo-secret"},
		how:        "X-Munin-Signature: sha256=<hex HMAC-SHA256 of the body>",
		sign: func(h http.Header, body []byte, secret, typ string) {
			h.Set("X-Munin-Signature", webhookverify.Sign([]byte(secret), body))
			h.Set("X-Munin-Event", typ)
		},
		// munin-api-reference.md §3: the envelope, and each type's payload.
		samples: map[string]func(time.Time, string) any{
			"conversation.message.sent": func(now time.Time, id string) any {
				return muninEvent("conversation.message.sent", now, id, map[string]any{
					"conversationId": "conv_mock", "messageId": "msg_" + id, "authorType": "user", "internal": false})
			},
			"conversation.message.received": func(now time.Time, id string) any {
				return muninEvent("conversation.message.received", now, id, map[string]any{
					"conversationId": "conv_mock", "messageId": "msg_" + id, "authorType": "end_user", "internal": false})
			},
			"conversation.taken_over": func(now time.Time, id string) any {
				return muninEvent("conversation.taken_over", now, id, map[string]any{
					"conversationId": "conv_mock", "holderType": "user", "holderId": "usr_mock",
					"expiresAt": now.Add(30 * time.Minute).Format(time.RFC3339Nano)})
			},
			"conversation.released": func(now time.Time, id string) any {
				return muninEvent("conversation.released", now, id, map[string]any{
					"conversationId": "conv_mock", "holderType": "user", "holderId": "usr_mock"})
			},
			"conversation.handover_requested": func(now time.Time, id string) any {
				return muninEvent("conversation.handover_requested", now, id, map[string]any{
					"conversationId": "conv_mock", "reason": "The visitor asked for a person."})
			},
			"conversation.status_changed": func(now time.Time, id string) any {
				return muninEvent("conversation.status_changed", now, id, map[string]any{
					"conversationId": "conv_mock", "status": "closed"})
			},
		},
	},
	"moveo": {
		name:       "Moveo",
		credential: credential{"MOVEO_WEBHOOK_SECRET", "botbridge-mockserver-moveo-secret"},
		how:        "X-Moveo-Signature: <hex HMAC-SHA256 of the body>",
		sign: func(h http.Header, body []byte, secret, _ string) {
			h.Set("X-Moveo-Signature", moveotest.Sign(secret, body))
		},
		// moveo-webhook-event-payloads.txt: the base fields, and each type's.
		samples: map[string]func(time.Time, string) any{
			"message:brain_send": func(now time.Time, id string) any {
				return moveoEvent("message:brain_send", now, id, map[string]any{"output": map[string]any{
					"responses": []any{map[string]any{"type": "text", "text": "Hello! How can I help you today?",
						"options": []any{map[string]any{"label": "Check Order", "text": "I want to check my order"}}}}}})
			},
			"message:send": func(now time.Time, id string) any {
				return moveoEvent("message:send", now, id, map[string]any{
					"from": map[string]any{"agent_id": "agent-123", "agent_name": "Sarah Johnson"},
					"to":   map[string]any{"user_id": "user-789"},
					"body": map[string]any{"text": "Hi! I'm Sarah from support. How can I help you?", "attachments": []any{}}})
			},
			"message:compose": func(now time.Time, id string) any {
				return moveoEvent("message:compose", now, id, map[string]any{
					"author_id": "agent-123", "author_name": "Sarah Johnson", "author_type": "agent", "action": "start"})
			},
			"conversation:member_join": func(now time.Time, id string) any {
				return moveoEvent("conversation:member_join", now, id, map[string]any{
					"author_id": "agent-123", "author_name": "Sarah Johnson", "author_type": "agent"})
			},
			"conversation:closed": func(now time.Time, id string) any {
				return moveoEvent("conversation:closed", now, id, nil)
			},
			"session:expired": func(now time.Time, id string) any {
				return moveoEvent("session:expired", now, id, nil)
			},
		},
	},
	"altabots": {
		name:       "AltaBots",
		credential: credential{"ALTABOTS_DESK_TOKEN", "botbridge-mockserver-desk-token"},
		how:        "Authorization: Bearer <token>",
		sign:       bearer,
		// altabots-human-handoff-webhook.txt: the three calls to the desk.
		samples: map[string]func(time.Time, string) any{
			"establish": func(now time.Time, id string) any {
				return map[string]any{"conversation_id": id[:24], "timestamp": now.UnixMilli(), "email": "bob@gmail.com",
					"bot_id": "665d88b03ce2b13cf2d573454",
					"body": []any{map[string]any{"text": "human service", "message_type": "QUESTION"},
						map[string]any{"text": "", "message_type": "ANSWER"}},
					"user_info": map[string]any{"phone": nil, "email": "bob@gmail.com", "user_id": "KDslas",
						"anonymous_id": "652face5184b30540a6ea7fe"}}
			},
			"chat": func(now time.Time, id string) any {
				return map[string]any{"conversation_id": id[:24], "timestamp": now.UnixMilli(), "body": "My order never arrived."}
			},
			"close": func(now time.Time, id string) any {
				return map[string]any{"conversation_id": id[:24], "timestamp": now.UnixMilli(), "type": "USER_CLOSED"}
			},
		},
	},
	"certainly": {
		name:       "Certainly",
		credential: credential{"CERTAINLY_WEBHOOK_TOKEN", "botbridge-mockserver-webhook-token"},
		how:        "Authorization: Bearer <token>",
		sign:       bearer,
		// certainly-handover-flow.txt: the claim (step 1B) and a user message.
		samples: map[string]func(time.Time, string) any{
			"claim": func(time.Time, string) any {
				return map[string]any{"attachedMedia": "", "reply": "VarWebhook", "botId": sampleCertainlyBot, "direction": "out",
					"extractedData": map[string]any{}, "firstName": "Bob", "lastName": "Smith", "sessionId": "sess-mock",
					"customVariables": map[string]any{}, "from": "token", "to": "user-42", "replyData": "", "moduleId": "mod-1",
					"botTrainedModelId": ""}
			},
			"message": func(time.Time, string) any {
				return map[string]any{"interlocutor": "user", "message": "Hello? Is anyone there?", "botId": sampleCertainlyBot,
					"userId": "user-42", "sessionId": "sess-mock"}
			},
		},
	},
}

// sampleCertainlyBot is the bot deployment of the Certainly samples, and
// the id the served fake Certainly has.
const sampleCertainlyBot = "botdep-mock"

func bearer(h http.Header, _ []byte, token, _ string) { h.Set("Authorization", "Bearer "+token) }

// muninEvent is Munin's envelope, keys in Munin's order.
func muninEvent(typ string, now time.Time, id string, payload map[string]any) any {
	return struct {
		Type          string         `json:"type"`
		ID            string         `json:"id"`
		OrgID         string         `json:"orgId"`
		CorrelationID *string        `json:"correlationId"`
		CreatedAt     string         `json:"createdAt"`
		Payload       map[string]any `json:"payload"`
	}{typ, "evt_" + id, "org_mock", nil, now.UTC().Format("2006-01-02T15:04:05.000Z"), payload}
}

// moveoEvent is Moveo's base fields plus the type's own.
func moveoEvent(typ string, now time.Time, id string, fields map[string]any) any {
	ev := map[string]any{"event_type": typ, "request_id": "req-" + id, "session_id": "sess-456",
		"external_session_id": "your-session-789", "integration_id": "intg-001", "desk_id": "desk-456",
		"context": map[string]any{"user": map[string]any{"user_id": "user-789"}}, "timestamp": now.UnixMilli()}
	for k, v := range fields {
		ev[k] = v
	}
	return ev
}

// kinds lists every VENDOR:TYPE -send knows, sorted.
func kinds() []string {
	var out []string
	for v, vd := range vendors {
		for typ := range vd.samples {
			out = append(out, v+":"+typ)
		}
	}
	slices.Sort(out)
	return out
}

// send delivers one sample of kind ("munin:conversation.message.sent") to
// url, as the vendor would, and returns the answer's status and body.
func send(ctx context.Context, kind, url string, out io.Writer) (int, error) {
	name, typ, _ := strings.Cut(kind, ":")
	v, ok := vendors[name]
	build := v.samples[typ]
	if !ok || build == nil {
		return 0, fmt.Errorf("unknown sample %q; choose one of:\n  %s", kind, strings.Join(kinds(), "\n  "))
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return 0, err
	}
	body, err := json.Marshal(build(time.Now(), hex.EncodeToString(id)))
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	secret, fromEnv := v.credential.value()
	v.sign(req.Header, body, secret, typ)
	origin := "the demo value " + secret
	if fromEnv {
		origin = "$" + v.credential.env
	}
	fmt.Fprintf(out, "POST %s\n  %s %s, %d bytes, with %s (%s)\n", url, v.name, typ, len(body), v.how, origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	fmt.Fprintf(out, "  → %s %s\n", resp.Status, bytes.TrimSpace(answer))
	return resp.StatusCode, nil
}
