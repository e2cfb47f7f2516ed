package altabots

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// autoReplier is WithAutoReply: one timer per conversation whose first
// reply is still due.
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
	pending map[string]*pendingReply
	sending sync.WaitGroup // automatic replies being sent
}

// pendingReply is a conversation whose first reply is due. stop is nil
// while the desk's Establish runs, and then cancels the timer; at is when
// Establish returned.
type pendingReply struct {
	stop func() bool
	at   time.Time
}

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
	}
	a.unobserve = client.observers.add(a.cancel)
	return a
}

// begin records that conversationID's first reply is due, replacing an
// earlier record (and its timer). It returns nil once the handler is
// closed.
func (a *autoReplier) begin(conversationID string) *pendingReply {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	if old := a.pending[conversationID]; old != nil && old.stop != nil {
		old.stop()
	}
	p := &pendingReply{}
	a.pending[conversationID] = p
	return p
}

// arm starts p's timer when the establish succeeded and nothing cancelled
// p meanwhile (a reply, a close, a later establish, Close); otherwise it
// forgets p.
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
	// fire takes a.mu, so it cannot look at p before stop is set.
	p.at = a.clock.Now()
	p.stop = a.clock.AfterFunc(a.after, func() { a.fire(conversationID, p) })
}

// cancel forgets conversationID's due reply and stops its timer.
func (a *autoReplier) cancel(conversationID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.pending[conversationID]; p != nil {
		if p.stop != nil {
			p.stop()
		}
		delete(a.pending, conversationID)
	}
}

// fire sends the automatic reply for p, unless it was cancelled.
func (a *autoReplier) fire(conversationID string, p *pendingReply) {
	a.mu.Lock()
	if a.closed || a.pending[conversationID] != p {
		a.mu.Unlock()
		return
	}
	delete(a.pending, conversationID)
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
			if p.stop != nil {
				p.stop()
			}
			delete(a.pending, conv)
		}
		a.unobserve()
	}
	a.mu.Unlock()
	a.sending.Wait()
}
