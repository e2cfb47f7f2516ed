package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DefaultMaxAttempts is how many times Observe tries to store an event
// when other writers keep changing the conversation.
const DefaultMaxAttempts = 8

// Controller answers "may the bot reply now?" for every conversation, from
// the events it observes. Make one per process and share it: it is safe for
// concurrent use, and its state lives in the [Store], so replicas sharing a
// store agree.
type Controller struct {
	store     Store
	hinter    Hinter // store's hints, or nil
	policy    Policy
	now       func() time.Time
	observers []func(Transition)
	attempts  int
	logger    *slog.Logger
	deadlines *deadlines // nil unless WithSweeping
}

// Option configures a [Controller].
type Option func(*Controller) error

// New returns a Controller keeping its records in store; a nil store means
// a new [MemoryStore], which suits a single process. A bad option is an
// error.
func New(store Store, opts ...Option) (*Controller, error) {
	if store == nil {
		store = NewMemoryStore()
	}
	c := &Controller{store: store, now: time.Now, attempts: DefaultMaxAttempts}
	c.hinter, _ = store.(Hinter)
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("handoff: nil Option")
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.policy = c.policy.withDefaults()
	return c, nil
}

// WithPolicy sets the timing rules; the zero Policy is the default.
func WithPolicy(p Policy) Option {
	return func(c *Controller) error {
		if err := p.Validate(); err != nil {
			return err
		}
		c.policy = p
		return nil
	}
}

// WithClock sets the clock the Controller reads "now" from; the default is
// time.Now. Tests pass a fake clock's Now (see handofftest.Clock).
func WithClock(now func() time.Time) Option {
	return func(c *Controller) error {
		if now == nil {
			return errors.New("handoff: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// OnTransition registers fn to be called after every change of the stored
// owner, and every refused handover request (once per event ID), that this
// Controller stores: once per stored change, however many replicas
// observed the event, since only the replica whose compare-and-swap won
// calls its observers. fn runs on the goroutine that stored the change,
// after the store has it; keep it quick, or hand the work to another
// goroutine. Calls for one conversation can come from several goroutines
// (and replicas): order them by [Transition.Version].
//
// Observers hear of stored changes only. A write the store made but whose
// acknowledgement was lost is not reported (its redelivery is a
// duplicate), and a grace period that ends unnoticed before new human
// activity renews it is not reported either; [WithSweeping] stores
// deadlines as they pass, so that every hand-back is heard.
func OnTransition(fn func(Transition)) Option {
	return func(c *Controller) error {
		if fn == nil {
			return errors.New("handoff: OnTransition: nil func")
		}
		c.observers = append(c.observers, fn)
		return nil
	}
}

// WithMaxAttempts sets how many times Observe tries to store an event when
// other writers change the conversation in between (default
// [DefaultMaxAttempts]). After the last, it returns [ErrContention].
func WithMaxAttempts(n int) Option {
	return func(c *Controller) error {
		if n < 1 {
			return fmt.Errorf("handoff: WithMaxAttempts(%d): need at least 1", n)
		}
		c.attempts = n
		return nil
	}
}

// WithLogger sets where [Controller.RunSweeper] reports the errors it
// carries on after. Nothing else logs; the default is silence.
func WithLogger(l *slog.Logger) Option {
	return func(c *Controller) error {
		c.logger = l
		return nil
	}
}

// Policy returns the policy in force, defaults filled in.
func (c *Controller) Policy() Policy { return c.policy }

// Observe applies ev to its conversation and stores the result. Call it for
// every vendor event (the vendor packages' HandoffEvent functions make
// them) and for the bot's own messages. It returns what ev did; when the
// owner changed, the [OnTransition] observers have been called before it
// returns.
//
// A redelivered event (same ID) and an event older than the current
// owner's start change nothing (Effect Duplicate or Stale). When the store
// fails, nothing is stored and the error says so: deliver the event again
// — the vendor will, if the webhook handler answers with an error.
func (c *Controller) Observe(ctx context.Context, ev Event) (Transition, error) {
	if err := ev.validate(); err != nil {
		return Transition{Conversation: ev.Conversation, Event: ev}, err
	}
	return c.update(ctx, &ev, "observe")
}

// opSweep names Sweep's updates.
const opSweep = "sweep"

// update applies ev to its record and stores the result, retrying on
// version conflicts.
func (c *Controller) update(ctx context.Context, ev *Event, op string) (Transition, error) {
	conv := ev.Conversation
	now := normalize(c.now())
	var (
		rec    Record
		hinted bool
		err    error
	)
	if c.hinter != nil {
		rec, hinted = c.hinter.Hint(conv)
	}
	if !hinted {
		if rec, err = c.store.Get(ctx, conv); err != nil {
			return Transition{Conversation: conv, Event: *ev}, storeError(op, conv, err)
		}
	}
	for attempt := 1; ; {
		next, tr, write := apply(rec, ev, now, c.policy)
		if op == opSweep {
			tr.Event = Event{} // the user message was only a way to apply deadlines
		}
		if !write {
			if hinted {
				// Nothing to store according to a hint that may be
				// out of date: read the record itself to be sure.
				hinted = false
				if rec, err = c.store.Get(ctx, conv); err != nil {
					return Transition{Conversation: conv, Event: *ev}, storeError(op, conv, err)
				}
				continue
			}
			return tr, nil
		}
		current, swapped, err := c.store.CompareAndSwap(ctx, conv, rec.Version, next)
		if err != nil {
			return Transition{Conversation: conv, Event: *ev}, storeError(op, conv, err)
		}
		if swapped {
			c.committed(conv, &next, tr)
			return tr, nil
		}
		if attempt == c.attempts {
			return Transition{Conversation: conv, Event: *ev},
				fmt.Errorf("%w: %s %q: %d attempts", ErrContention, op, conv, attempt)
		}
		attempt++
		rec, hinted = current, false
	}
}

// committed does what follows a stored change: deadline tracking and the
// observers.
func (c *Controller) committed(conv string, next *Record, tr Transition) {
	if c.deadlines != nil {
		c.deadlines.track(conv, next)
	}
	if tr.OwnerChanged() || tr.Effect == Refused {
		for _, fn := range c.observers {
			fn(tr)
		}
	}
}

func storeError(op, conv string, err error) error {
	return fmt.Errorf("handoff: %s %q: %w", op, conv, err)
}

// Token identifies the record a [Decision] was made from. [Controller.Commit]
// compares it with the record's version at commit time, so a reply made
// from a decision the conversation has since outgrown is caught.
type Token uint64

// Decision is the Controller's answer to "may the bot reply now?".
type Decision struct {
	// Conversation is the conversation decided on.
	Conversation string
	// Allow is true when the bot owns the conversation and may reply.
	Allow bool
	// State is who owns it now. When Decide returned an error, State is
	// Human: the safe assumption.
	State State
	// Reason is why; [StoreFailed] when Decide returned an error.
	Reason Reason
	// Until is when State ends by itself (the grace period or the pending
	// timeout); zero means not by itself.
	Until time.Time
	// Token fences the reply: [Controller.Commit] fails if the
	// conversation changed after the decision.
	Token Token

	// expired is set when the decision applied a deadline the store had
	// not: storing that deadline later is not a change for Commit.
	expired bool
}

// Decide reports whether the bot may reply in conversation now. It reads
// the store once and writes nothing; deadlines are applied as it reads.
//
// When the store fails, the decision is "do not reply" (Allow false,
// Reason [StoreFailed]) together with the error: the bot stays quiet
// rather than risk talking over a human.
func (c *Controller) Decide(ctx context.Context, conversation string) (Decision, error) {
	if conversation == "" {
		return Decision{State: Human, Reason: StoreFailed}, errors.New("handoff: Decide: empty conversation")
	}
	rec, err := c.store.Get(ctx, conversation)
	if err != nil {
		return Decision{Conversation: conversation, State: Human, Reason: StoreFailed}, storeError("decide", conversation, err)
	}
	if c.deadlines != nil {
		c.deadlines.track(conversation, &rec) // a passed deadline is due at the next sweep
	}
	r := expire(rec, c.now())
	d := Decision{
		Conversation: conversation,
		Allow:        r.State == Bot,
		State:        r.State,
		Reason:       r.Reason,
		Token:        Token(rec.Version),
		expired:      r.State != rec.State,
	}
	if r.State != Bot {
		d.Until = r.Until
	}
	return d, nil
}

// Commit checks, just before the bot sends a reply, that the conversation
// is as it was when d was decided. It returns nil when the bot may send,
// [ErrStale] when anything changed since (a human wrote, took over, or a
// handover was requested while the reply was being made: drop it),
// [ErrNotAllowed] when d did not allow a reply, and a store error
// otherwise — in which case do not send either.
//
// Commit reads and writes nothing else: committing the same decision twice
// succeeds twice, and two replies decided in parallel can both be sent.
// A deadline the decision already counted (a grace period that ended
// before Decide) being stored since is not a change.
func (c *Controller) Commit(ctx context.Context, d Decision) error {
	if d.Conversation == "" {
		return errors.New("handoff: Commit: the Decision has no conversation; make it with Decide")
	}
	if !d.Allow {
		return ErrNotAllowed
	}
	rec, err := c.store.Get(ctx, d.Conversation)
	if err != nil {
		return storeError("commit", d.Conversation, err)
	}
	switch {
	case Token(rec.Version) == d.Token:
		return nil
	case d.expired && Token(rec.Version) == d.Token+1 && rec.State == Bot && !rec.released():
		// The one write since is the deadline the decision had already
		// applied (stored by a sweep or by the next event): nothing the
		// decision did not know.
		return nil
	}
	return ErrStale
}

// Forget deletes the record of conversation, for example when the user
// asks to be forgotten. The conversation is then the bot's.
func (c *Controller) Forget(ctx context.Context, conversation string) error {
	if conversation == "" {
		return errors.New("handoff: Forget: empty conversation")
	}
	if err := c.store.Delete(ctx, conversation); err != nil {
		return storeError("forget", conversation, err)
	}
	if c.deadlines != nil {
		c.deadlines.forget(conversation)
	}
	return nil
}
