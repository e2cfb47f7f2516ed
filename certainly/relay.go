package certainly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
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
	// minute timeout for a claim whose Handover never answered). With a
	// Calendar, a claim outside its hours is refused: no Handover, the bot
	// keeps the conversation, and the webhook answers 204.
	Policy handoff.Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// OnClaim, when set, is called after a claim put the bot in listen
	// mode: tell the agents a user is waiting. It runs on the webhook's
	// goroutine; an error fails the webhook (500), and if Certainly posts
	// the claim again it is called again. Certainly's claims carry no id,
	// so a claim posted again (say after the webhook's 5 second timeout)
	// cannot be told from the user asking again: each one puts the bot in
	// listen mode and calls OnClaim. Make it idempotent, for example on
	// Claim.SessionID while the conversation is the agent's.
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
	// after Close; and when a Takeover with ClaimEnd failed in a way
	// Certainly may have acted on, so the Relay gave the conversation back
	// with a plain Takeover and ClaimEnd may not have been applied. Without
	// it, and without Logger, such failures are not reported anywhere.
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
//     conversation is not the bot's (Pending or Human), and is left to the
//     bot otherwise;
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
// Takeover waits for the conversation's next event. When that event is a
// user's message, the bot (still listening) never saw it, so it goes to
// OnUserMessage as well, while the Relay takes the conversation back.
//
// Every hand-back of a conversation the bot listens in gets exactly one
// Takeover: Release's own, or the automatic one when a grace period ran
// out, whichever stored the hand-back first. A Takeover that fails in a
// way a retry may cure gives the conversation back to the agent (the bot
// still listens), so the user's messages keep reaching the agent. Once
// the bot answers again, the Relay records the hand-back as of the moment
// it asked, so an agent's reply that raced the Takeover cannot leave the
// conversation marked as the agent's.
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

	mu sync.Mutex
	// releases holds the IDs of the hand-back events of the Releases in
	// flight; true once the event handed the conversation back, which makes
	// that Release the one to call Takeover.
	releases map[string]bool
	closed   bool
	busy     int           // automatic takeovers in flight
	idle     chan struct{} // closed while busy is 0
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
		releases:      make(map[string]bool),
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

// ready refuses a call on a Relay not built by NewRelay.
func (r *Relay) ready(op string) error {
	if r == nil || r.ctl == nil {
		return errors.New("certainly: " + op + ": the Relay was not made by NewRelay")
	}
	return nil
}

// Controller returns the Relay's controller, for Decide on a conversation
// (Conversation.Key) and for observing events the Relay does not see.
func (r *Relay) Controller() *handoff.Controller { return r.ctl }

// Handle is the webhook callback: pass it to NewWebhookHandler, or call it
// from the worker that drains the webhook's queue. See Relay for what it
// does with each event. It returns an error when a call to Certainly, the
// store or a callback failed, so the webhook answers 500, and a refusal
// (webhookverify.Refuse: 400) for a claim or user message that names no
// bot deployment or no user, such as the handover page's example claim
// with its empty botId.
func (r *Relay) Handle(ctx context.Context, ev Event) error {
	if err := r.ready("Relay"); err != nil {
		return err
	}
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
	if err := unusable("claim", "botId", c.BotID, "to", c.To); err != nil {
		return err
	}
	hev, _ := HandoffEvent(c)
	tr, err := r.ctl.Observe(ctx, hev)
	if err != nil {
		return fmt.Errorf("certainly: Relay: %w", err)
	}
	if tr.Effect == handoff.Refused || (tr.Effect == handoff.Duplicate && tr.To == handoff.Bot && r.outsideHours()) {
		// Outside Policy.Calendar's hours: the bot keeps the conversation.
		// A claim with the body of one refused before is refused again.
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

// unusable refuses a payload whose ids (the bot deployment's in botField,
// the user's in userField) are missing, so the Relay has no conversation to
// act on: the webhook answers 400 (webhookverify.Refuse), naming the field,
// since posting it again cannot help. The parser has refused ids with a
// control character already.
func unusable(kind, botField, botID, userField, userID string) error {
	field := botField
	switch {
	case botID == "":
	case userID == "":
		field = userField
	default:
		return nil
	}
	return webhookverify.Refuse(fmt.Errorf("certainly: Relay: the %s has no %s: no conversation to act on", kind, field))
}

// outsideHours reports whether Policy.Calendar is closed now.
func (r *Relay) outsideHours() bool {
	cal := r.ctl.Policy().Calendar
	return cal != nil && !cal.Open(r.now())
}

func (r *Relay) handleUserMessage(ctx context.Context, m *Message) error {
	if err := unusable("user message", "botId", m.BotID, "userId", m.UserID); err != nil {
		return err
	}
	hev, _ := HandoffEvent(m)
	conv := m.Conversation()
	tr, err := r.ctl.Observe(ctx, hev)
	if err != nil {
		return fmt.Errorf("certainly: Relay: %w", err)
	}
	if tr.From == handoff.Bot && tr.To == handoff.Bot {
		return nil // the bot owns the conversation and answers itself
	}
	// From Human or Pending to Bot: the grace period had run out unswept, and
	// this message is what expired it. Certainly still had the bot listening,
	// so the bot never saw the message: the agent gets it rather than nobody,
	// while the Relay takes the conversation back (Reply then returns
	// ErrBotOwnsConversation; Handover takes it over again).
	if err := r.onUserMessage(ctx, conv, m); err != nil {
		return fmt.Errorf("certainly: Relay: OnUserMessage: %w", err)
	}
	return nil
}

// Handover takes a conversation over without a claim, or again after it
// went back to the bot: Client.Handover, then the conversation is the
// human's for the grace period.
func (r *Relay) Handover(ctx context.Context, conv Conversation) error {
	if err := r.ready("Relay.Handover"); err != nil {
		return err
	}
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
	if err := r.ready("Relay.Reply"); err != nil {
		return err
	}
	if err := conv.check("Relay.Reply"); err != nil {
		return err
	}
	d, err := r.ctl.Decide(ctx, conv.Key())
	if err != nil {
		return fmt.Errorf("certainly: Relay.Reply: %w", err)
	}
	if d.Allow {
		if !r.isClosed() {
			// A grace period may have run out unswept: hand back now.
			_, _ = r.ctl.Sweep(ctx)
		}
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
// ("" for none) makes the bot leave listen mode. It returns
// ErrBotOwnsConversation, calling nothing, when the conversation is the
// bot's already: it was released before, or its grace period ran out and
// a sweep handed it back, with its own Takeover carrying
// RelayConfig.ClaimEnd.
//
// Each hand-back gets exactly one Takeover. Of a Release and a sweep that
// both find the grace period over, the one that stores the hand-back makes
// it; of two Releases of one conversation, the first; the other gets
// ErrBotOwnsConversation.
//
// When Takeover fails with an error a retry may cure (a connection error,
// 429, 5xx), the conversation goes back to the agent, so Release can be
// called again.
func (r *Relay) Release(ctx context.Context, conv Conversation, claimEnd string) error {
	if err := r.ready("Relay.Release"); err != nil {
		return err
	}
	if err := conv.check("Relay.Release"); err != nil {
		return err
	}
	if strings.ContainsFunc(claimEnd, unicode.IsControl) {
		return invalid("Relay.Release", "claimEnd", "contains a control character")
	}
	ev := TakeoverEvent(conv.BotID, conv.UserID, r.now())
	r.mu.Lock()
	r.releases[ev.ID] = false
	r.mu.Unlock()
	tr, err := r.ctl.Observe(ctx, ev)
	r.mu.Lock()
	ours := r.releases[ev.ID] // set by transition, on this goroutine, when ev handed it back
	delete(r.releases, ev.ID)
	r.mu.Unlock()
	switch {
	case ours:
	case err != nil:
		return fmt.Errorf("certainly: Relay.Release: %w", err)
	case tr.To == handoff.Bot:
		return ErrBotOwnsConversation
	default:
		// The agent's last message carries a later time than the release.
		return errors.New("certainly: Relay.Release: the agent wrote after the release began; the conversation stays with the agent")
	}
	if err := r.takeover(ctx, conv, claimEnd); err != nil {
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
// to RelayConfig.OnError. After Close it hands nothing back and returns
// ErrRelayClosed: a hand-back without its Takeover would leave the bot in
// listen mode.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	if err := r.ready("Relay.Sweep"); err != nil {
		return 0, err
	}
	if r.isClosed() {
		return 0, ErrRelayClosed
	}
	n, err := r.ctl.Sweep(ctx)
	if werr := r.wait(ctx); werr != nil {
		err = errors.Join(err, werr)
	}
	return n, err
}

// Run calls Sweep every interval until ctx ends, and returns ctx's error
// then, or ErrRelayClosed once the Relay is closed. A sweep's other errors
// are logged, and the next sweep tries again.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	if err := r.ready("Relay.Run"); err != nil {
		return err
	}
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
			_, err := r.Sweep(ctx)
			switch {
			case errors.Is(err, ErrRelayClosed):
				return err
			case err != nil && ctx.Err() == nil:
				r.log(ctx, slog.LevelWarn, "certainly relay: sweep failed", Conversation{}, slog.String("error", err.Error()))
			}
		}
	}
}

// Close stops the automatic hand-backs and waits for the Takeovers in
// flight. Afterwards Sweep and Run return ErrRelayClosed, and a grace
// period that an event finds over is handed back without a Takeover:
// OnError gets ErrRelayClosed for it. Run returns at its next tick.
// Handle, Reply and Release still work.
func (r *Relay) Close() {
	if r == nil || r.ctl == nil {
		return
	}
	r.mu.Lock()
	r.closed = true
	idle := r.idle
	r.mu.Unlock()
	<-idle
}

// isClosed reports whether Close was called.
func (r *Relay) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// String describes the relay, without the Client's token.
func (r *Relay) String() string {
	if r == nil {
		return "certainly.Relay{}"
	}
	return "certainly.Relay{" + r.client.String() + "}"
}

// Format prints String for every verb.
func (r *Relay) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// transition is the controller's observer: it passes the change on and
// sees that each hand-back of a conversation the bot was listening in gets
// its Takeover. A Release's own event is that Release's to take over; a
// grace period (or claim timeout) that ran out, stored by a sweep or by
// another event, gets the automatic Takeover.
func (r *Relay) transition(tr handoff.Transition) {
	conv, err := ParseConversationKey(tr.Conversation)
	if err != nil {
		return // not a key of this package: not a conversation the Relay handles
	}
	if r.onTransition != nil {
		r.onTransition(conv, tr)
	}
	if tr.From == handoff.Bot || tr.To != handoff.Bot {
		return
	}
	r.mu.Lock()
	if _, ok := r.releases[tr.Event.ID]; ok && tr.Event.ID != "" {
		r.releases[tr.Event.ID] = true // the Release calls Takeover itself
		r.mu.Unlock()
		return
	}
	if tr.Cause != handoff.Expiry {
		// A hand-back observed through Controller, or the Relay's own after
		// a failed Handover: the bot is not left in listen mode by us.
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
	if err := r.takeover(ctx, conv, r.claimEnd); err != nil {
		r.report(conv, fmt.Errorf("certainly: Relay: automatic takeover: %w", err))
		r.restore(conv, err)
		return
	}
	r.log(ctx, slog.LevelInfo, "certainly relay: grace period over, conversation handed back", conv)
}

// takeover calls Client.Takeover and then records the hand-back once more,
// as of the moment the call began: an agent's message that raced the
// hand-back (sent while the Takeover was on its way) must not leave the
// conversation marked as the agent's while the bot answers the user. An
// event after that moment, such as a new claim's Handover, stands.
//
// A Takeover with ClaimEnd that failed in a way Certainly may have acted on
// anyway (500, 502, 504, a connection lost) is not sent again, since it
// would move the user on twice: a Takeover without ClaimEnd makes sure the
// bot answers, and OnError hears that ClaimEnd may not have been applied.
func (r *Relay) takeover(ctx context.Context, conv Conversation, claimEnd string) error {
	began := r.now()
	if err := r.client.Takeover(ctx, conv.BotID, conv.UserID, TakeoverOptions{ClaimEnd: claimEnd}); err != nil {
		if claimEnd == "" || !mayHaveActed(err) {
			return err
		}
		if perr := r.client.Takeover(ctx, conv.BotID, conv.UserID, TakeoverOptions{}); perr != nil {
			return errors.Join(err, perr)
		}
		r.report(conv, fmt.Errorf("certainly: Relay: the bot answers again, but Certainly may not have applied ClaimEnd: %w", err))
	}
	if _, err := r.ctl.Observe(ctx, TakeoverEvent(conv.BotID, conv.UserID, began)); err != nil {
		r.log(ctx, slog.LevelWarn, "certainly relay: the bot answers again, but the store could not confirm it", conv,
			slog.String("error", err.Error()))
	}
	return nil
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

// mayHaveActed reports whether Certainly may have carried out a call that
// failed: it answered with a server error other than 503, or the
// connection broke. 503, 429 and every 4xx say it did not.
func mayHaveActed(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500 && apiErr.StatusCode != http.StatusServiceUnavailable
	}
	return !errors.Is(err, ErrValidation)
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
