package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// bot is a website chat bot on Munin, the way botbridge's munin package
// documents it. One visitor session is enough for the demo.
type bot struct {
	widget *munin.WidgetClient // pushes the visitor's messages, reads the feed
	admin  *munin.Client       // posts the bot's replies, asks for a human
	ctl    *handoff.Controller // who owns the conversation: bot, pending or human
	hooks  *demo.Server        // the webhook endpoint Munin delivers to
	t      *demo.Transcript

	// wait returns once Munin has delivered every webhook due. Only the
	// demo needs it, to print in order; a real bot handles deliveries as
	// they come.
	wait func(context.Context) error

	webhookURL   string
	session      string          // the widget session: one Munin conversation
	conversation string          // its Munin id, known after the first push
	shown        map[string]bool // feed messages already shown to the visitor
	answeredLast bool            // whether the bot answered the latest message
	quiet        bool            // whether the bot was quiet at its last decision

	mu     sync.Mutex
	events []string // what the verified webhooks did, printed by Sync
}

// startBot wires the bot to Munin: clients, the handoff controller, and a
// webhook endpoint that Munin's API subscribes.
func startBot(ctx context.Context, fake *munintest.Server, t *demo.Transcript) (*bot, error) {
	ch := fake.Channel()
	// The demo's clock is the fake Munin's: the same 30 minutes pass for
	// Munin's claim, the webhooks' timestamps and the grace period.
	clock := fake.Clock().Now
	widget, err := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(fake.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(ch.ID))
	if err != nil {
		return nil, fmt.Errorf("widget client: %w", err)
	}
	admin, err := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	ctl, err := handoff.New(nil, handoff.WithClock(clock)) // in memory, the default 30 minute grace
	if err != nil {
		return nil, fmt.Errorf("handoff controller: %w", err)
	}
	b := &bot{widget: widget, admin: admin, ctl: ctl, t: t, wait: fake.WaitDeliveries,
		session: "visitor-7f3a", shown: map[string]bool{}}

	// Munin shows a webhook's secret once, when it is created, and signs
	// every delivery with it. The handler needs the secret, and Munin needs
	// the URL, so the endpoint is served first and handed its handler after.
	var handler http.Handler
	ready := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/munin", func(w http.ResponseWriter, r *http.Request) {
		<-ready
		handler.ServeHTTP(w, r)
	})
	if b.hooks, err = demo.Serve(ctx, "", mux); err != nil {
		return nil, fmt.Errorf("webhook endpoint: %w", err)
	}
	b.webhookURL = b.hooks.URL + "/webhooks/munin"
	sub, err := admin.Webhooks.Create(ctx, munin.CreateWebhookRequest{URL: b.webhookURL})
	if err == nil {
		handler, err = munin.NewWebhookHandler(sub.Secret.Value(), b.onEvent, munin.WithClock(clock))
	}
	close(ready)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("subscribe to Munin's webhooks: %w", err)
	}
	return b, nil
}

// Close stops the webhook endpoint.
func (b *bot) Close() { b.hooks.Close() }

// onEvent is called for each delivery whose X-Munin-Signature the handler
// verified. Everything that tells who owns the conversation goes to the
// controller; the rest passes by.
func (b *bot) onEvent(ctx context.Context, ev munin.Event) error {
	hev, ok := munin.HandoffEvent(ev)
	if !ok {
		return nil
	}
	if _, err := b.ctl.Observe(ctx, hev); err != nil {
		return err // 500: Munin delivers it again
	}
	// The demo notes the deliveries that can change who owns the
	// conversation; messages from the visitor and the bot's own echoes
	// are observed too, but only move the clock of the grace period.
	if hev.Kind != handoff.UserMessage && hev.Kind != handoff.BotMessage {
		b.mu.Lock()
		b.events = append(b.events, ev.EventEnvelope().Type)
		b.mu.Unlock()
	}
	return nil
}

// Hear is the bot's reply path for one visitor message.
func (b *bot) Hear(ctx context.Context, text string) error {
	// Every message goes to Munin, whoever answers it: the humans read the
	// conversation there.
	res, err := b.widget.Push(ctx, munin.Push{SessionID: b.session,
		Visitor: &munin.Visitor{Name: "Vita"}, Messages: []munin.WidgetMessage{{Body: text}}})
	if err != nil {
		return fmt.Errorf("push the visitor's message: %w", err)
	}
	if b.conversation == "" {
		b.conversation = res.ConversationID
		// New widget conversations let Munin's own AI answer; this bot
		// answers itself.
		if _, err := b.admin.Conversations.SetAgentMode(ctx, b.conversation, munin.AgentModeOff); err != nil {
			return fmt.Errorf("turn Munin's AI off: %w", err)
		}
	}
	if err := b.Sync(ctx); err != nil {
		return err
	}

	// Decide → generate → Commit: the reply is dropped if a human wrote
	// while it was being made.
	b.answeredLast = false
	d, err := b.ctl.Decide(ctx, b.conversation)
	if err != nil {
		return fmt.Errorf("decide: %w", err)
	}
	defer func() { b.quiet = !d.Allow }()
	if !d.Allow {
		b.t.Note("the bot stays quiet: %s", describe(d))
		return nil
	}
	if b.quiet {
		b.t.Note("the bot may answer again: %s", describe(d))
	}
	reply, wantsHuman := generate(text)
	if err := b.ctl.Commit(ctx, d); errors.Is(err, handoff.ErrStale) {
		b.t.Note("a human wrote while the reply was made: the bot drops it")
		return nil
	} else if err != nil {
		return fmt.Errorf("commit the reply: %w", err)
	}
	if _, err := b.admin.Conversations.SendMessage(ctx, b.conversation, munin.SendMessageRequest{Body: reply}); err != nil {
		return fmt.Errorf("post the bot's reply: %w", err)
	}
	b.t.Say("bot", reply)
	b.answeredLast = true

	if wantsHuman {
		if _, err := b.admin.Conversations.RequestHandover(ctx, b.conversation,
			munin.HandoverRequest{Reason: "The visitor asked for a person."}); err != nil {
			return fmt.Errorf("request a human: %w", err)
		}
		b.t.Note("the bot asks Munin for a human (POST …/request-handover)")
	}
	return b.Sync(ctx)
}

// Sync waits for Munin's webhooks, prints what they did, and shows the
// visitor what humans wrote. The webhook carries no message body, so the
// bot reads it from the widget feed.
func (b *bot) Sync(ctx context.Context) error {
	if err := b.wait(ctx); err != nil {
		return fmt.Errorf("wait for Munin's webhooks: %w", err)
	}
	b.mu.Lock()
	events := b.events
	b.events = nil
	b.mu.Unlock()
	if len(events) > 0 {
		// Munin delivers concurrently; sorted, the transcript is the same
		// on every run.
		slices.Sort(events)
		d, err := b.ctl.Decide(ctx, b.conversation)
		if err != nil {
			return fmt.Errorf("decide: %w", err)
		}
		b.t.Note("signed webhooks, verified (X-Munin-Signature): %s", strings.Join(events, ", "))
		b.t.Note("  → %s", describe(d))
	}
	for m, err := range b.widget.Messages(ctx, munin.MessagesRequest{SessionID: b.session}) {
		if err != nil {
			return fmt.Errorf("read the widget feed: %w", err)
		}
		if m.AuthorKind == "human" && !b.shown[m.ID] {
			b.shown[m.ID] = true
			b.t.Say(m.AuthorName, m.Body)
		}
	}
	return nil
}

// describe says who owns the conversation, and until when.
func describe(d handoff.Decision) string {
	s := fmt.Sprintf("owner %s (%s)", d.State, d.Reason)
	if !d.Until.IsZero() {
		s += ", until " + d.Until.Format(time.TimeOnly)
	}
	return s
}

// generate stands in for the bot's language model. It reports whether the
// visitor asked for a person.
func generate(text string) (reply string, wantsHuman bool) {
	lower := strings.ToLower(text)
	switch {
	case strings.Contains(lower, "person"), strings.Contains(lower, "human"):
		return "Of course. I've asked a colleague to join; they'll be with you shortly.", true
	case strings.Contains(lower, "order"):
		return "Order #1042 left our warehouse yesterday and should arrive on Friday.", false
	default:
		return "Sorry for the wait! Sam has stepped away; I'm here. How can I help?", false
	}
}
