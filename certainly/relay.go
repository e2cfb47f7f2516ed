package certainly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/botbridge/botbridge/handoff"
)

// Conversation names one conversation at Certainly: a bot deployment and
// one of its users.
type Conversation struct {
	// BotID is the bot deployment id (botdep_id).
	BotID string
	// UserID is the end user's id.
	UserID string
}

// Key is the conversation's handoff.Controller key, ConversationKey(BotID,
// UserID).
func (c Conversation) Key() string { return ConversationKey(c.BotID, c.UserID) }

// check refuses a conversation the Client cannot call for.
func (c Conversation) check(op string) error {
	if err := checkID(op, "BotID", c.BotID); err != nil {
		return err
	}
	return checkID(op, "UserID", c.UserID)
}

// DefaultTakeoverTimeout bounds each automatic Takeover a Relay makes when
// a grace period runs out.
const DefaultTakeoverTimeout = 30 * time.Second

// Errors of a Relay.
var (
	// ErrBotOwnsConversation is returned by Relay.Reply and Relay.Release
	// for a conversation the bot owns: it was never handed over, it was
	// released already, or the grace period after the agent's last message
	// ran out and the Relay gave it back to the bot. Relay.Handover takes
	// it over again.
	ErrBotOwnsConversation = errors.New("certainly: the bot owns the conversation")

	// ErrRelayClosed is reported to RelayConfig.OnError for an automatic
	// takeover that was due after Relay.Close.
	ErrRelayClosed = errors.New("certainly: relay closed")
)

// RelayConfig configures NewRelay. Client and OnUserMessage are required;
// every other field has a default.
type RelayConfig struct {
	// Client makes the calls to Certainly. Required.
	Client *Client
	// Store keeps who owns each conversation; nil means a
	// handoff.MemoryStore, which suits one process. Give a shared store
	// (handoff/redisstore) to several replicas.
	Store handoff.Store
	// Policy holds the timing rules; the zero Policy is handoff's default
	// (a 30 minute grace period after the agent's last message, a 15
	// minute timeout for a claim whose Handover failed).
	Policy handoff.Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// OnClaim, when set, is called after a claim put the bot in listen
	// mode: tell the agents a user is waiting. It runs on the webhook's
	// goroutine; an error fails the webhook (500), and Certainly's retry
	// calls it again. A claim Certainly posts again (after its 5 second
	// timeout) calls it again too: make it idempotent, for example on
	// Claim.SessionID.
	OnClaim func(ctx context.Context, conv Conversation, c *Claim) error
	// OnUserMessage is called with every message the user writes while the
	// conversation is handed over: forward it to the human agent.
	// Required. An error fails the webhook (500).
	OnUserMessage func(ctx context.Context, conv Conversation, m *Message) error
	// ClaimEnd is sent with the automatic Takeover that ends a handover
	// whose grace period ran out (TakeoverOptions.ClaimEnd); "" sends none.
	ClaimEnd string
	// OnError, when set, is called with every failure of work the Relay
	// does on its own: an automatic Takeover that failed, or that was due
	// after Close. Without it, and without Logger, such failures are not
	// reported anywhere.
	OnError func(conv Conversation, err error)
	// OnTransition, when set, is called after every change of owner the
	// Relay's controller stores, such as a hand-back when a grace period
	// ran out: show it in the agents' tool. It runs on the goroutine that
	// made the change; keep it quick.
	OnTransition func(conv Conversation, tr handoff.Transition)
	// TakeoverTimeout bounds each automatic Takeover (all its attempts);
	// zero means DefaultTakeoverTimeout.
	TakeoverTimeout time.Duration
	// Logger, when set, gets a line for every claim, hand-back and failure.
	// Without it the Relay logs nothing. User and bot ids are logged;
	// message text and the token never are.
	Logger *slog.Logger
}

// Relay wires a Client, a handoff.Controller and the program's callbacks
// together for the common case of the handover flow:
//
//   - a claim (Handle) puts the conversation in Pending, calls Handover to
//     put the bot in listen mode, marks the conversation taken over by a
//     human, and calls OnClaim;
//   - a user's message (Handle) goes to OnUserMessage while the
//     conversation is not the bot's (Decide does not allow the bot:
//     Pending or Human), and is left to the bot otherwise;
//   - Reply sends the agent's message (SendMessage) and slides the grace
//     period;
//   - Release gives the conversation back (Takeover) when the agent is done;
//   - when the agent has been silent for the grace period, Sweep (or Run)
//     hands the conversation back and the Relay calls Takeover with
//     RelayConfig.ClaimEnd, asynchronously; Close waits for those calls.
//
// Messages from the bot or an agent, and unknown payloads, are ignored:
// they say nothing the Relay acts on. Run (or call Sweep on a timer): the
// controller applies deadlines lazily, and without a sweep the automatic
// Takeover waits for the conversation's next event.
//
// A Relay is safe for concurrent use. Its conversations are keyed by
// ConversationKey.
type Relay struct {
	client        *Client
	ctl           *handoff.Controller
	now           func() time.Time
	onClaim       func(context.Context, Conversation, *Claim) error
	onUserMessage func(context.Context, Conversation, *Message) error
	onError       func(Conversation, error)
	onTransition  func(Conversation, handoff.Transition)
	claimEnd      string
	timeout       time.Duration
	logger        *slog.Logger

	mu        sync.Mutex
	releasing map[string]int  // keys a Release is handing back
	deferred  map[string]bool // keys whose automatic Takeover was left to a Release
	closed    bool
	busy      int           // automatic takeovers in flight
	idle      chan struct{} // closed while busy is 0
}

// NewRelay checks cfg and returns its Relay, with its own
// handoff.Controller (Controller returns it). It fails on a missing Client
// or OnUserMessage, a ClaimEnd with control characters, a negative
// TakeoverTimeout, and a Policy handoff refuses.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	switch {
	case cfg.Client == nil || cfg.Client.api == nil:
		return nil, errors.New("certainly: NewRelay: Client is nil (build one with NewClient)")
	case cfg.OnUserMessage == nil:
		return nil, errors.New("certainly: NewRelay: OnUserMessage is nil")
	case strings.ContainsFunc(cfg.ClaimEnd, unicode.IsControl):
		return nil, errors.New("certainly: NewRelay: ClaimEnd contains a control character")
	case cfg.TakeoverTimeout < 0:
		return nil, fmt.Errorf("certainly: NewRelay: TakeoverTimeout %s is negative", cfg.TakeoverTimeout)
	}
	r := &Relay{
		client:        cfg.Client,
		now:           cfg.Now,
		onClaim:       cfg.OnClaim,
		onUserMessage: cfg.OnUserMessage,
		onError:       cfg.OnError,
		onTransition:  cfg.OnTransition,
		claimEnd:      cfg.ClaimEnd,
		timeout:       cfg.TakeoverTimeout,
		logger:        cfg.Logger,
		releasing:     make(map[string]int),
		deferred:      make(map[string]bool),
		idle:          make(chan struct{}),
	}
	close(r.idle)
	if r.now == nil {
		r.now = time.Now
	}
	if r.timeout == 0 {
		r.timeout = DefaultTakeoverTimeout
	}
	ctl, err := handoff.New(cfg.Store, handoff.WithPolicy(cfg.Policy), handoff.WithClock(r.now),
		handoff.WithSweeping(), handoff.OnTransition(r.transition))
	if err != nil {
		return nil, fmt.Errorf("certainly: NewRelay: %w", err)
	}
	r.ctl = ctl
	return r, nil
}

// Controller returns the Relay's controller, for Decide on a conversation
// (Conversation.Key) and for observing events the Relay does not see.
func (r *Relay) Controller() *handoff.Controller { return r.ctl }

// Handle is the webhook callback: pass it to NewWebhookHandler, or call it
// from the worker that drains the webhook's queue. See Relay for what it
// does with each event. It returns an error when a call to Certainly, the
// store or a callback failed, so the webhook answers 500.
func (r *Relay) Handle(ctx context.Context, ev Event) error {
	switch ev := ev.(type) {
	case *Claim:
		if ev == nil {
			return errors.New("certainly: Relay: nil *Claim")
		}
		return r.handleClaim(ctx, ev)
	case *Message:
		if ev == nil {
			return errors.New("certainly: Relay: nil *Message")
		}
		if ev.Interlocutor != InterlocutorUser {
			return nil
		}
		return r.handleUserMessage(ctx, ev)
	case *UnknownEvent:
		r.log(ctx, slog.LevelDebug, "certainly relay: unknown payload ignored", Conversation{})
		return nil
	}
	return fmt.Errorf("certainly: Relay: unexpected event %T", ev)
}

func (r *Relay) handleClaim(ctx context.Context, c *Claim) error {
	conv := c.Conversation()
	if err := conv.check("Relay"); err != nil {
		return err
	}
	hev, _ := HandoffEvent(c)
	tr, err := r.ctl.Observe(ctx, hev)
	if err != nil {
		return fmt.Errorf("certainly: Relay: %w", err)
	}
	if tr.Effect == handoff.Refused {
		// Outside Policy.Calendar's hours: the bot keeps the conversation.
		r.log(ctx, slog.LevelInfo, "certainly relay: claim refused outside business hours", conv)
		return nil
	}
	if err := r.client.Handover(ctx, conv.BotID, conv.UserID); err != nil {
		if tr.From == handoff.Bot {
			// The bot is not in listen mode: give the conversation back
			// until Certainly posts the claim again.
			if _, oerr := r.ctl.Observe(ctx, ownEvent("handover-failed:", conv.BotID, conv.UserID, handoff.HandBack, r.now())); oerr != nil {
				err = errors.Join(err, oerr)
			}
		}
		r.log(ctx, slog.LevelError, "certainly relay: handover failed", conv, slog.String("error", err.Error()))
		return err
	}
	if _, err := r.ctl.Observe(ctx, HandoverEvent(conv.BotID, conv.UserID, r.now())); err != nil {
		return fmt.Errorf("certainly: Relay: the bot is in listen mode, but: %w", err)
	}
	r.log(ctx, slog.LevelInfo, "certainly relay: conversation handed over", conv)
	if r.onClaim != nil {
		if err := r.onClaim(ctx, conv, c); err != nil {
			return fmt.Errorf("certainly: Relay: OnClaim: %w", err)
		}
	}
	return nil
}

func (r *Relay) handleUserMessage(ctx context.Context, m *Message) error {
	hev, ok := HandoffEvent(m)
	if !ok {
		return fmt.Errorf("certainly: Relay: %w", errNoConversation)
	}
	conv := m.Conversation()
	if _, err := r.ctl.Observe(ctx, hev); err != nil {
		return fmt.Errorf("certainly: Relay: %w", err)
	}
	d, err := r.ctl.Decide(ctx, hev.Conversation)
	if err != nil {
		return fmt.Errorf("certainly: Relay: %w", err)
	}
	if d.Allow {
		return nil // the bot owns the conversation and answers itself
	}
	if err := r.onUserMessage(ctx, conv, m); err != nil {
		return fmt.Errorf("certainly: Relay: OnUserMessage: %w", err)
	}
	return nil
}

// Handover takes a conversation over without a claim, or again after it
// went back to the bot: Client.Handover, then the conversation is the
// human's for the grace period.
func (r *Relay) Handover(ctx context.Context, conv Conversation) error {
	if err := conv.check("Relay.Handover"); err != nil {
		return err
	}
	if err := r.client.Handover(ctx, conv.BotID, conv.UserID); err != nil {
		return err
	}
	if _, err := r.ctl.Observe(ctx, HandoverEvent(conv.BotID, conv.UserID, r.now())); err != nil {
		return fmt.Errorf("certainly: Relay.Handover: the bot is in listen mode, but: %w", err)
	}
	return nil
}

// Reply sends the agent's text to the user (Client.SendMessage) and slides
// the grace period. It returns ErrBotOwnsConversation, sending nothing,
// when the conversation is the bot's; Handover takes it over again.
func (r *Relay) Reply(ctx context.Context, conv Conversation, text string) error {
	if err := conv.check("Relay.Reply"); err != nil {
		return err
	}
	d, err := r.ctl.Decide(ctx, conv.Key())
	if err != nil {
		return fmt.Errorf("certainly: Relay.Reply: %w", err)
	}
	if d.Allow {
		// A grace period may have run out unswept: hand back now.
		_, _ = r.ctl.Sweep(ctx)
		return ErrBotOwnsConversation
	}
	at := r.now()
	if err := r.client.SendMessage(ctx, conv.BotID, conv.UserID, text); err != nil {
		return err
	}
	if _, err := r.ctl.Observe(ctx, AgentMessageEvent(conv.BotID, conv.UserID, at)); err != nil {
		return fmt.Errorf("certainly: Relay.Reply: the message was sent, but: %w", err)
	}
	return nil
}

// Release gives the conversation back to the bot because the agent is
// done: the conversation is the bot's, then Client.Takeover with claimEnd
// ("" for none) makes the bot leave listen mode. It calls Takeover once,
// and the Relay does not call it again for this hand-back. It returns
// ErrBotOwnsConversation, calling nothing, when the conversation is the
// bot's already (the grace period ran out and the Relay handed it back
// with RelayConfig.ClaimEnd, or it was released before).
//
// When Takeover fails with an error a retry may cure (a connection error,
// 429, 5xx), the conversation stays the human's, so Release can be called
// again.
func (r *Relay) Release(ctx context.Context, conv Conversation, claimEnd string) error {
	if err := conv.check("Relay.Release"); err != nil {
		return err
	}
	if strings.ContainsFunc(claimEnd, unicode.IsControl) {
		return invalid("Relay.Release", "claimEnd", "contains a control character")
	}
	key := conv.Key()
	r.mu.Lock()
	r.releasing[key]++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.releasing[key]--; r.releasing[key] == 0 {
			delete(r.releasing, key)
		}
	}()

	tr, err := r.ctl.Observe(ctx, TakeoverEvent(conv.BotID, conv.UserID, r.now()))
	r.mu.Lock()
	deferred := r.deferred[key] // a sweep handed it back meanwhile, leaving the Takeover to us
	delete(r.deferred, key)
	r.mu.Unlock()
	if err != nil && !deferred {
		return fmt.Errorf("certainly: Relay.Release: %w", err)
	}
	if err == nil && tr.From == handoff.Bot && !deferred {
		return ErrBotOwnsConversation
	}
	if err := r.client.Takeover(ctx, conv.BotID, conv.UserID, TakeoverOptions{ClaimEnd: claimEnd}); err != nil {
		r.restore(conv, err)
		return err
	}
	r.log(ctx, slog.LevelInfo, "certainly relay: conversation released", conv)
	return nil
}

// Sweep hands back every conversation whose grace period (or claim
// timeout) has run out, starts an automatic Takeover for each, and waits
// until every automatic Takeover in flight has finished (or ctx ends). It
// returns how many conversations it handed back; the Takeovers' failures go
// to RelayConfig.OnError.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	n, err := r.ctl.Sweep(ctx)
	if werr := r.wait(ctx); werr != nil {
		err = errors.Join(err, werr)
	}
	return n, err
}

// Run calls Sweep every interval until ctx ends, and returns ctx's error
// then. A sweep's error is logged, and the next sweep tries again.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("certainly: Relay.Run: interval %s is not positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
				r.log(ctx, slog.LevelWarn, "certainly relay: sweep failed", Conversation{}, slog.String("error", err.Error()))
			}
		}
	}
}

// Close waits for the automatic Takeovers in flight. A Takeover that falls
// due afterwards is not made: OnError gets ErrRelayClosed. Handle, Reply
// and Release still work.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	idle := r.idle
	r.mu.Unlock()
	<-idle
}

// String describes the relay, without the Client's token.
func (r *Relay) String() string { return "certainly.Relay{" + r.client.String() + "}" }

// Format prints String for every verb.
func (r *Relay) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// transition is the controller's observer: it passes the change on and
// starts the automatic Takeover of a conversation a deadline handed back.
func (r *Relay) transition(tr handoff.Transition) {
	conv, err := ParseConversationKey(tr.Conversation)
	if err != nil {
		return // not a key of this package: not a conversation the Relay handles
	}
	if r.onTransition != nil {
		r.onTransition(conv, tr)
	}
	if tr.Cause != handoff.Expiry || tr.From == handoff.Bot || tr.To != handoff.Bot {
		return
	}
	r.mu.Lock()
	if r.releasing[tr.Conversation] > 0 {
		r.deferred[tr.Conversation] = true // Release calls Takeover itself
		r.mu.Unlock()
		return
	}
	if r.closed {
		r.mu.Unlock()
		r.report(conv, ErrRelayClosed)
		return
	}
	if r.busy++; r.busy == 1 {
		r.idle = make(chan struct{})
	}
	r.mu.Unlock()
	go r.autoTakeover(conv)
}

// autoTakeover makes the Takeover of a conversation whose grace period ran
// out.
func (r *Relay) autoTakeover(conv Conversation) {
	defer func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.busy--; r.busy == 0 {
			close(r.idle)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	if err := r.client.Takeover(ctx, conv.BotID, conv.UserID, TakeoverOptions{ClaimEnd: r.claimEnd}); err != nil {
		r.report(conv, fmt.Errorf("certainly: Relay: automatic takeover: %w", err))
		r.restore(conv, err)
		return
	}
	r.log(ctx, slog.LevelInfo, "certainly relay: grace period over, conversation handed back", conv)
}

// restore gives a conversation back to the human after a Takeover failed
// in a way a retry may cure: the bot is still in listen mode, so the
// user's messages must keep reaching the agent, and the next sweep (or
// Release) tries again.
func (r *Relay) restore(conv Conversation, err error) {
	if !retryable(err) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	if _, oerr := r.ctl.Observe(ctx, HandoverEvent(conv.BotID, conv.UserID, r.now())); oerr != nil {
		r.report(conv, fmt.Errorf("certainly: Relay: takeover failed and the conversation could not be given back to the agent: %w", oerr))
	}
}

// retryable reports whether another attempt of a failed call may succeed.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == 429 || apiErr.StatusCode >= 500
	}
	return !errors.Is(err, ErrValidation)
}

// wait waits until no automatic Takeover is in flight, or ctx ends.
func (r *Relay) wait(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// report passes an asynchronous failure to OnError and the log.
func (r *Relay) report(conv Conversation, err error) {
	r.log(context.Background(), slog.LevelError, "certainly relay: "+err.Error(), conv)
	if r.onError != nil {
		r.onError(conv, err)
	}
}

func (r *Relay) log(ctx context.Context, level slog.Level, msg string, conv Conversation, attrs ...slog.Attr) {
	if r.logger == nil || !r.logger.Enabled(ctx, level) {
		return
	}
	if conv.BotID != "" {
		attrs = append(attrs, slog.String("bot_id", conv.BotID), slog.String("user_id", conv.UserID))
	}
	r.logger.LogAttrs(ctx, level, msg, attrs...)
}
