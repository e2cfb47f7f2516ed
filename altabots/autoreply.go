package altabots

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// autoReplier is WithAutoReply: one timer per conversation whose first
// reply is still due, and a memory of the handoffs already answered.
type autoReplier struct {
	client    *Client
	text      string
	after     time.Duration
	clock     Clock
	hook      func(conversationID string, err error)
	logger    *slog.Logger
	unobserve func()

	mu      sync.Mutex
	closed  bool
	pending map[string]*pendingReply // by conversation id
	pruneAt int                      // prune answered entries when pending grows to this
	sending sync.WaitGroup           // automatic replies being sent
}

// pendingReply is one handoff of a conversation: an establish the desk
// accepted. stop is nil while the desk's Establish runs, and then cancels
// the timer; at is when Establish returned. Once answered (the desk
// replied, or the automatic reply went out) it has no timer and stays
// until WaitingTime after at, so that AltaBots repeating the establish
// does not arm a second reply.
type pendingReply struct {
	timestamp UnixMillis // the establish's: a repeat of it carries the same
	stop      func() bool
	at        time.Time
	answered  bool
}

// minPrune is the size of the pending map below which answered handoffs are
// never pruned.
const minPrune = 64

// ErrAutoReplyTooLate is what Hooks.AutoReplied gets for an automatic reply
// (WithAutoReply) whose timer ran after AltaBots' waiting time (a
// suspended machine, a clock moved far ahead): the handoff has ended, so
// nothing was sent.
var ErrAutoReplyTooLate = errors.New("altabots: automatic reply not sent: AltaBots' waiting time has passed")

func newAutoReplier(client *Client, text string, after time.Duration, clock Clock,
	hook func(string, error), logger *slog.Logger,
) *autoReplier {
	a := &autoReplier{
		client:  client,
		text:    text,
		after:   after,
		clock:   clock,
		hook:    hook,
		logger:  logger,
		pending: make(map[string]*pendingReply),
		pruneAt: minPrune,
	}
	a.unobserve = client.observers.add(a.answered)
	return a
}

// begin records that conversationID's establish with timestamp is in, and
// returns the record to arm once the desk accepted it. A repeat of the
// handoff's establish (the same timestamp) returns nil: it keeps the
// handoff's timer, which counts from the first, and arms none once the
// handoff was answered. Any other establish replaces the conversation's
// record and its timer. It returns nil once the handler is closed.
func (a *autoReplier) begin(conversationID string, timestamp UnixMillis) *pendingReply {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	if old := a.pending[conversationID]; old != nil {
		if old.timestamp == timestamp && (old.stop != nil || old.answered) {
			return nil
		}
		if old.stop != nil {
			old.stop()
		}
	}
	a.prune()
	p := &pendingReply{timestamp: timestamp}
	a.pending[conversationID] = p
	return p
}

// prune forgets the answered handoffs older than WaitingTime, once the map
// has doubled since the last prune: amortised, each establish pays for
// O(1) entries. a.mu is held.
func (a *autoReplier) prune() {
	if len(a.pending) < a.pruneAt {
		return
	}
	now := a.clock.Now()
	for conv, p := range a.pending {
		if p.answered && !p.at.IsZero() && now.Sub(p.at) >= WaitingTime { // at is zero while Establish runs
			delete(a.pending, conv)
		}
	}
	a.pruneAt = max(minPrune, 2*len(a.pending))
}

// arm starts p's timer when the establish succeeded and nothing replaced p
// meanwhile (a later establish, a close, Close); a p answered meanwhile (a
// reply from inside Establish) is only remembered. A refused establish is
// forgotten.
func (a *autoReplier) arm(conversationID string, p *pendingReply, established bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p == nil || a.pending[conversationID] != p {
		return
	}
	if !established {
		delete(a.pending, conversationID)
		return
	}
	p.at = a.clock.Now()
	if p.answered {
		return
	}
	// fire takes a.mu, so it cannot look at p before stop is set.
	p.stop = a.clock.AfterFunc(a.after, func() { a.fire(conversationID, p) })
}

// answered records that the desk replied in conversationID (or that the
// handoff was closed): its timer stops, and a repeat of its establish arms
// none.
func (a *autoReplier) answered(conversationID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.pending[conversationID]; p != nil && !p.answered {
		if p.stop != nil {
			p.stop()
		}
		p.answered = true
	}
}

// end records that AltaBots closed conversationID's handoff: no reply is
// due any more, so its timer stops, and a late repeat of its establish
// arms none; an establish with another timestamp is a new handoff.
func (a *autoReplier) end(conversationID string) { a.answered(conversationID) }

// fire sends the automatic reply for p, unless it was cancelled.
func (a *autoReplier) fire(conversationID string, p *pendingReply) {
	a.mu.Lock()
	if a.closed || a.pending[conversationID] != p || p.answered {
		a.mu.Unlock()
		return
	}
	p.answered = true
	a.sending.Add(1)
	a.mu.Unlock()
	defer a.sending.Done()

	// After WaitingTime AltaBots has ended the handoff: a reply later than
	// that is useless, so the send gets the time that is left.
	ctx, cancel := context.WithTimeout(context.Background(), WaitingTime-a.clock.Now().Sub(p.at))
	defer cancel()
	err := ErrAutoReplyTooLate
	if ctx.Err() == nil {
		err = a.client.SendMessage(ctx, conversationID, a.text)
	}
	if a.logger != nil {
		level, msg := slog.LevelDebug, "altabots handler: sent the automatic reply"
		attrs := []slog.Attr{slog.String("conversation_id", conversationID)}
		if err != nil {
			level, msg = slog.LevelError, "altabots handler: automatic reply failed"
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		a.logger.LogAttrs(ctx, level, msg, attrs...)
	}
	if a.hook != nil {
		a.hook(conversationID, err)
	}
}

// close stops every timer, stops listening to the client, and waits for
// the replies being sent.
func (a *autoReplier) close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		for conv, p := range a.pending {
			if p.stop != nil && !p.answered {
				p.stop()
			}
			delete(a.pending, conv)
		}
		a.unobserve()
	}
	a.mu.Unlock()
	a.sending.Wait()
}
