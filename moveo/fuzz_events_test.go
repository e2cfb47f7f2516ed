package moveo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botbridge/botbridge/moveo"
)

// FuzzParseEvent: ParseEvent never panics, and what it accepts has the
// input's event_type, a timestamp that matches its raw milliseconds, and
// responses that marshal.
func FuzzParseEvent(f *testing.F) {
	for _, p := range docEvents {
		f.Add([]byte(p))
	}
	for _, r := range docResponses {
		f.Add([]byte(brainSendWith(r)))
	}
	f.Add([]byte(brainSendWith(`{"type":"pause"}`, `{"type":"survey"}`, `{}`)))
	f.Add([]byte(`{"event_type":"x","timestamp":-1}`))
	f.Add([]byte(`{"event_type":"message:send","timestamp":1,"body":{"attachments":[{"type":"file"}]}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := moveo.ParseEvent(payload)
		if err != nil {
			if ev != nil {
				t.Fatalf("an event with an error: %T", ev)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on two lines: %q", err)
			}
			return
		}
		// encoding/json as the reference; keys matched exactly, as Moveo
		// writes them.
		var m map[string]any
		if err := json.Unmarshal(payload, &m); err == nil && utf8.Valid(payload) {
			if typ, _ := m["event_type"].(string); typ != ev.EventBase().Type {
				t.Fatalf("event_type %q parsed as %q", typ, ev.EventBase().Type)
			}
		}
		b := ev.EventBase()
		if b.Type == "" {
			t.Fatal("accepted without event_type")
		}
		if b.Timestamp.UnixMilli() != b.TimestampMillis {
			t.Fatalf("timestamp %v is not %d ms", b.Timestamp, b.TimestampMillis)
		}
		if bs, ok := ev.(*moveo.BrainSendEvent); ok {
			for _, r := range bs.Output.Responses {
				if r == nil {
					t.Fatal("nil response")
				}
			}
			if _, err := json.Marshal(bs.Output); err != nil {
				t.Fatalf("output does not marshal: %v", err)
			}
		}
		_, _ = moveo.HandoffEvent(ev)
	})
}

// FuzzWebhookHandler: whatever a signed body holds, the handler answers
// one of its documented statuses, and calls fn only for what ParseEvent
// accepts.
func FuzzWebhookHandler(f *testing.F) {
	for _, p := range docEvents {
		f.Add([]byte(p), true)
	}
	f.Add([]byte(`{`), true)
	f.Add([]byte(docBrainSend), false)
	clock := newHookClock()
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		called := false
		h, err := moveo.NewWebhookHandler(hookSecret, func(context.Context, moveo.Event) error {
			called = true
			return nil
		}, moveo.WithClock(clock.Now), moveo.WithMaxBodyBytes(64<<10))
		if err != nil {
			t.Fatal(err)
		}
		secret := ""
		if signed {
			secret = hookSecret
		}
		code := hookServe(h, hookRequest(string(body), secret)).Code
		switch code {
		case http.StatusNoContent, http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", code)
		}
		if called != (code == http.StatusNoContent) {
			t.Fatalf("status %d, fn called %t", code, called)
		}
		if code == http.StatusNoContent {
			if _, err := moveo.ParseEvent(body); err != nil {
				t.Fatalf("handled what ParseEvent refuses: %v", err)
			}
		}
		if !signed && code != http.StatusUnauthorized {
			t.Fatalf("unsigned body got %d", code)
		}
	})
}
