package widgetbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
)

// Config is what a Bot needs.
type Config struct {
	Widget     *munin.WidgetClient // pushes the visitor's messages, reads the feed
	Admin      *munin.Client       // posts the bot's replies, asks for a human
	Controller *handoff.Controller // who owns each conversation
	// Generate makes the bot's reply; nil means Canned. It reports whether
	// the visitor asked for a person.
	Generate func(ctx context.Context, text string) (reply string, wantsHuman bool, err error)
	// Observed, when set, is told of every verified webhook that can change
	// who owns a conversation (not the visitor's messages nor the bot's own
	// echoes), after the controller observed it.
	Observed func(ev munin.Event)
}

// A Bot answers visitors of one Munin widget channel. It is safe for
// concurrent use.
type Bot struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*session
}

// session is what the bot keeps per widget session. A bot with several
// replicas would keep it in the store its sessions already live in.
type session struct {
	conversation string          // Munin's id, known after the first push
	shown        map[string]bool // human messages already handed to the visitor
}

// Answer is what the bot did with a visitor's message.
type Answer struct {
	// Conversation is Munin's id of the session's conversation.
	Conversation string
	// Reply is the bot's answer; "" when it stayed quiet.
	Reply string
	// Decision is why: who owned the conversation when the bot asked.
	Decision handoff.Decision
	// Dropped is true when a human wrote while the reply was being made:
	// Commit refused it, and it was never posted.
	Dropped bool
	// HandoverRequested is true when the bot asked Munin for a human.
	HandoverRequested bool
}

// New returns a Bot.
func New(cfg Config) (*Bot, error) {
	if cfg.Widget == nil || cfg.Admin == nil || cfg.Controller == nil {
		return nil, errors.New("widgetbot: Widget, Admin and Controller are required")
	}
	if cfg.Generate == nil {
		cfg.Generate = Canned
	}
	return &Bot{cfg: cfg, sessions: map[string]*session{}}, nil
}

func (b *Bot) session(id string) *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sessions[id]
	if s == nil {
		s = &session{shown: map[string]bool{}}
		b.sessions[id] = s
	}
	return s
}

// Hear is the bot's reply path for one visitor message in sessionID.
func (b *Bot) Hear(ctx context.Context, sessionID, text string) (Answer, error) {
	res, err := b.cfg.Widget.Push(ctx, munin.Push{SessionID: sessionID,
		Messages: []munin.WidgetMessage{{Body: text}}})
	if err != nil {
		return Answer{}, fmt.Errorf("push the visitor's message: %w", err)
	}
	s := b.session(sessionID)
	b.mu.Lock()
	first := s.conversation == ""
	s.conversation = res.ConversationID
	b.mu.Unlock()
	if first {
		// New widget conversations let Munin's own AI answer; this bot
		// answers itself, and must not be echoed by another.
		if _, err := b.cfg.Admin.Conversations.SetAgentMode(ctx, res.ConversationID, munin.AgentModeOff); err != nil {
			return Answer{}, fmt.Errorf("turn Munin's AI off: %w", err)
		}
	}
	a := Answer{Conversation: res.ConversationID}

	// Decide → generate → Commit: the reply is dropped if a human wrote
	// while it was being made, so the bot never talks over them.
	d, err := b.cfg.Controller.Decide(ctx, a.Conversation)
	a.Decision = d
	if err != nil || !d.Allow {
		return a, err // a human owns it (or the store failed): stay quiet
	}
	reply, wantsHuman, err := b.cfg.Generate(ctx, text)
	if err != nil {
		return a, fmt.Errorf("generate the reply: %w", err)
	}
	if err := b.cfg.Controller.Commit(ctx, d); errors.Is(err, handoff.ErrStale) {
		a.Dropped = true
		return a, nil
	} else if err != nil {
		return a, fmt.Errorf("commit the reply: %w", err)
	}
	if _, err := b.cfg.Admin.Conversations.SendMessage(ctx, a.Conversation, munin.SendMessageRequest{Body: reply}); err != nil {
		return a, fmt.Errorf("post the bot's reply: %w", err)
	}
	a.Reply = reply
	if wantsHuman {
		if _, err := b.cfg.Admin.Conversations.RequestHandover(ctx, a.Conversation,
			munin.HandoverRequest{Reason: "The visitor asked for a person."}); err != nil {
			return a, fmt.Errorf("request a human: %w", err)
		}
		a.HandoverRequested = true
	}
	return a, nil
}

// OnEvent is the callback for munin.NewWebhookHandler. An error makes the
// handler answer 500, and Munin delivers the event again.
func (b *Bot) OnEvent(ctx context.Context, ev munin.Event) error {
	hev, ok := munin.HandoffEvent(ev)
	if !ok {
		return nil // says nothing about who owns the conversation
	}
	if _, err := b.cfg.Controller.Observe(ctx, hev); err != nil {
		return err
	}
	if b.cfg.Observed != nil && hev.Kind != handoff.UserMessage && hev.Kind != handoff.BotMessage {
		b.cfg.Observed(ev)
	}
	return nil
}

// HumanReplies returns what Munin's humans wrote in sessionID that it has
// not returned before, oldest first.
func (b *Bot) HumanReplies(ctx context.Context, sessionID string) ([]munin.FeedMessage, error) {
	var out []munin.FeedMessage
	for m, err := range b.cfg.Widget.Messages(ctx, munin.MessagesRequest{SessionID: sessionID}) {
		if err != nil {
			return nil, fmt.Errorf("read the widget feed: %w", err)
		}
		if m.AuthorKind == "human" {
			out = append(out, m)
		}
	}
	s := b.session(sessionID)
	b.mu.Lock()
	defer b.mu.Unlock()
	fresh := out[:0]
	for _, m := range out {
		if !s.shown[m.ID] {
			s.shown[m.ID] = true
			fresh = append(fresh, m)
		}
	}
	return fresh, nil
}

// Canned stands in for the bot's language model.
func Canned(_ context.Context, text string) (reply string, wantsHuman bool, err error) {
	lower := strings.ToLower(text)
	switch {
	case strings.Contains(lower, "person"), strings.Contains(lower, "human"):
		return "Of course. I've asked a colleague to join; they'll be with you shortly.", true, nil
	case strings.Contains(lower, "order"):
		return "Order #1042 left our warehouse yesterday and should arrive on Friday.", false, nil
	default:
		return "Sorry for the wait! I'm here. How can I help?", false, nil
	}
}

// Handler returns the endpoint for Munin's webhooks signed with secret:
// munin.NewWebhookHandler with OnEvent.
func (b *Bot) Handler(secret string, opts ...munin.WebhookOption) (http.Handler, error) {
	return munin.NewWebhookHandler(secret, b.OnEvent, opts...)
}

// Subscribe asks Munin to deliver every event to url, and returns the
// handler for it. Munin shows a webhook's secret only in this answer.
func (b *Bot) Subscribe(ctx context.Context, url string, opts ...munin.WebhookOption) (http.Handler, error) {
	sub, err := b.cfg.Admin.Webhooks.Create(ctx, munin.CreateWebhookRequest{URL: url})
	if err != nil {
		return nil, fmt.Errorf("subscribe to Munin's webhooks: %w", err)
	}
	return b.Handler(sub.Secret.Value(), opts...)
}
