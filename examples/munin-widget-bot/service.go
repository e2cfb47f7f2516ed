package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// chatRequest is what the widget posts to /chat.
type chatRequest struct {
	Session string `json:"session"`
	Text    string `json:"text"`
}

// chatAnswer is /chat's answer: the bot's reply, or why there is none.
type chatAnswer struct {
	Conversation string `json:"conversation"`
	// Reply is the bot's answer; empty when it stayed quiet.
	Reply string `json:"reply,omitempty"`
	// Owner is who owns the conversation: "bot", "pending" or "human";
	// Reason says why, and Until when that ends by itself.
	Owner  string     `json:"owner"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"`
	// Dropped is true when a human wrote while the reply was being made.
	Dropped bool `json:"dropped,omitempty"`
	// HandoverRequested is true when the bot asked Munin for a human.
	HandoverRequested bool `json:"handoverRequested,omitempty"`
}

// humanMessage is one message of a Munin human, for GET /chat/{session}.
type humanMessage struct {
	From string    `json:"from"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// newService is the service's HTTP API. fake, when not nil, adds the
// routes where a developer plays Munin's dashboard human (demoRoutes).
// Failures are logged to logw.
func newService(bot *widgetbot.Bot, webhooks http.Handler, fake *munintest.Server, logw io.Writer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/munin", webhooks)

	mux.HandleFunc("POST /chat", func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if !decode(w, r, &req, "session", "text") {
			return
		}
		a, err := bot.Hear(r.Context(), req.Session, req.Text)
		if err != nil {
			fail(w, logw, "chat", err)
			return
		}
		ans := chatAnswer{Conversation: a.Conversation, Reply: a.Reply, Owner: a.Decision.State.String(),
			Reason: a.Decision.Reason.String(), Dropped: a.Dropped, HandoverRequested: a.HandoverRequested}
		if !a.Decision.Until.IsZero() {
			ans.Until = &a.Decision.Until
		}
		reply(w, http.StatusOK, ans)
	})

	mux.HandleFunc("GET /chat/{session}", func(w http.ResponseWriter, r *http.Request) {
		msgs, err := bot.HumanReplies(r.Context(), r.PathValue("session"))
		if err != nil {
			fail(w, logw, "read human replies", err)
			return
		}
		out := []humanMessage{}
		for _, m := range msgs {
			out = append(out, humanMessage{From: m.AuthorName, Text: m.Body, At: m.At})
		}
		reply(w, http.StatusOK, map[string]any{"messages": out})
	})

	if fake != nil {
		demoRoutes(mux, fake, logw)
	}
	return mux
}

// demoRoutes let a developer play Munin's dashboard human against the fake
// Munin: POST /demo/human {"session","text"} replies in the session's
// conversation, POST /demo/release {"session"} hands it back to the bot.
// Each answers once the fake has delivered the webhooks its action caused,
// so that the next /chat sees their effect.
func demoRoutes(mux *http.ServeMux, fake *munintest.Server, logw io.Writer) {
	dashboard := func(what string, act func(conversation, text string) error, required ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var req chatRequest
			if !decode(w, r, &req, required...) {
				return
			}
			conv, ok := fake.ConversationBySession(req.Session)
			if !ok {
				reply(w, http.StatusNotFound, map[string]string{"error": "no conversation for session " + req.Session})
				return
			}
			if err := act(conv.ID, req.Text); err != nil {
				fail(w, logw, what, err)
				return
			}
			if err := fake.WaitDeliveries(r.Context()); err != nil {
				fail(w, logw, what, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	mux.HandleFunc("POST /demo/human", dashboard("dashboard reply", func(conv, text string) error {
		_, err := fake.Dashboard().Reply(conv, text)
		return err
	}, "session", "text"))
	mux.HandleFunc("POST /demo/release", dashboard("dashboard release", func(conv, _ string) error {
		return fake.Dashboard().Release(conv)
	}, "session"))
}

// decode reads a {"session","text"} body, or answers 400 naming what is
// wrong: bad JSON, or a required field missing.
func decode(w http.ResponseWriter, r *http.Request, req *chatRequest, required ...string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := json.NewDecoder(r.Body).Decode(req); err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "body: want JSON {\"session\":…,\"text\":…}: " + err.Error()})
		return false
	}
	req.Session, req.Text = strings.TrimSpace(req.Session), strings.TrimSpace(req.Text)
	fields := map[string]string{"session": req.Session, "text": req.Text}
	for _, name := range required {
		if fields[name] == "" {
			reply(w, http.StatusBadRequest, map[string]string{"error": name + " is required"})
			return false
		}
	}
	return true
}

// fail logs err and answers 502: the service is up, Munin or the store
// is not. The log line is the SDK's error, which never holds a key.
func fail(w http.ResponseWriter, logw io.Writer, what string, err error) {
	fmt.Fprintf(logw, "munin-widget-bot: %s: %v\n", what, err)
	reply(w, http.StatusBadGateway, map[string]string{"error": what + " failed"})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// webhookLog notes the verified webhooks that can change who owns a
// conversation. When serving, it prints each as it comes; the scripted
// visitor prints them at its own pace (take), sorted, because Munin
// delivers concurrently and in no set order.
type webhookLog struct {
	t    *demo.Transcript
	live bool

	mu      sync.Mutex
	pending []string
}

// observed is widgetbot.Config.Observed.
func (l *webhookLog) observed(ev munin.Event) {
	line := ev.EventEnvelope().Type
	if m, ok := ev.(*munin.MessageSentEvent); ok {
		who := m.AuthorType
		if who == munin.AuthorUser { // a Munin user: a human in the dashboard
			who = "a human"
		}
		line += " (by " + who + ")"
	}
	if l.live {
		l.t.Note("webhook %s, signature verified", line)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, line)
}

// take returns the webhooks observed since the last call, sorted.
func (l *webhookLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.pending
	l.pending = nil
	slices.Sort(got)
	return got
}
