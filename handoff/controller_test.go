package handoff_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

// newController returns a Controller on a fresh memory store with a fake
// clock at t0, recording every transition its observers see.
func newController(t *testing.T, opts ...handoff.Option) (*handoff.Controller, *handofftest.Clock, *recorder) {
	t.Helper()
	clock := handofftest.NewClock(t0)
	rec := &recorder{}
	opts = append([]handoff.Option{handoff.WithClock(clock.Now), handoff.OnTransition(rec.record)}, opts...)
	ctl, err := handoff.New(handoff.NewMemoryStore(handoff.WithStoreClock(clock.Now)), opts...)
	require.NoError(t, err)
	return ctl, clock, rec
}

type recorder struct {
	mu  sync.Mutex
	got []handoff.Transition
}

func (r *recorder) record(t handoff.Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, t)
}

func (r *recorder) transitions() []handoff.Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]handoff.Transition(nil), r.got...)
}

func humanMessage(conv, id string, at time.Time) handoff.Event {
	return handoff.Event{ID: id, Conversation: conv, Kind: handoff.HumanMessage, OccurredAt: at}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := map[string]handoff.Option{
		"nil option":        nil,
		"nil clock":         handoff.WithClock(nil),
		"nil observer":      handoff.OnTransition(nil),
		"zero attempts":     handoff.WithMaxAttempts(0),
		"negative grace":    handoff.WithPolicy(handoff.Policy{Grace: -time.Minute}),
		"negative max hold": handoff.WithPolicy(handoff.Policy{MaxHold: -time.Minute}),
		"unknown HumanLeft": handoff.WithPolicy(handoff.Policy{HumanLeft: 7}),
	}
	for name, opt := range tests {
		t.Run(name, func(t *testing.T) {
			ctl, err := handoff.New(nil, opt)
			assert.Error(t, err)
			assert.Nil(t, ctl)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	ctl, err := handoff.New(nil) // a memory store
	require.NoError(t, err)
	p := ctl.Policy()
	assert.Equal(t, handoff.DefaultGrace, p.Grace)
	assert.Equal(t, handoff.DefaultPendingTimeout, p.PendingTimeout)
	assert.Equal(t, handoff.DefaultMaxHold, p.MaxHold)

	d, err := ctl.Decide(context.Background(), "ccv_new")
	require.NoError(t, err)
	assert.True(t, d.Allow, "no record: the bot owns the conversation")
	assert.Equal(t, handoff.Token(0), d.Token)
}

func TestObserveRejectsBadEvents(t *testing.T) {
	ctl, _, rec := newController(t)
	valid := humanMessage("ccv_1", "cvm_1", t0)
	tests := []struct {
		field  string
		mutate func(*handoff.Event)
	}{
		{"Conversation", func(e *handoff.Event) { e.Conversation = "" }},
		{"Kind", func(e *handoff.Event) { e.Kind = 0 }},
		{"Kind", func(e *handoff.Event) { e.Kind = 99 }},
		{"OccurredAt", func(e *handoff.Event) { e.OccurredAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"Hold", func(e *handoff.Event) { e.Hold = -time.Second }},
	}
	for _, tt := range tests {
		ev := valid
		tt.mutate(&ev)
		_, err := ctl.Observe(context.Background(), ev)
		require.ErrorIs(t, err, handoff.ErrInvalidEvent, tt.field)
		assert.Contains(t, err.Error(), tt.field)
	}
	assert.Empty(t, rec.transitions(), "nothing was stored")
}

// A reply composed while a human wrote is dropped at Commit; one composed
// in peace is sent, as often as the bot likes.
func TestCommitFencesReplies(t *testing.T) {
	ctx := context.Background()
	ctl, clock, _ := newController(t)

	d, err := ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	require.True(t, d.Allow)
	require.NoError(t, ctl.Commit(ctx, d))
	require.NoError(t, ctl.Commit(ctx, d), "Commit changes nothing, so it can be repeated")

	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	assert.ErrorIs(t, ctl.Commit(ctx, d), handoff.ErrStale)

	quiet, err := ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	assert.False(t, quiet.Allow)
	assert.Equal(t, handoff.Human, quiet.State)
	assert.True(t, quiet.Until.Equal(t0.Add(30*time.Minute)))
	assert.ErrorIs(t, ctl.Commit(ctx, quiet), handoff.ErrNotAllowed)

	// After the grace period the bot decides again and may send.
	clock.Advance(30 * time.Minute)
	d, err = ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	require.True(t, d.Allow)
	assert.NoError(t, ctl.Commit(ctx, d))

	assert.Error(t, ctl.Commit(ctx, handoff.Decision{}), "a Decision not made by Decide")
	_, err = ctl.Decide(ctx, "")
	assert.Error(t, err)
}

// A decision made before the record was forgotten and written again never
// matches the new record, although both started counting afresh.
func TestCommitAfterForget(t *testing.T) {
	ctx := context.Background()
	ctl, clock, _ := newController(t)
	_, err := ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandBack}) // no record: no effect
	require.NoError(t, err)
	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	clock.Advance(time.Hour)
	d, err := ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	require.True(t, d.Allow)
	require.NotZero(t, d.Token)

	require.NoError(t, ctl.Forget(ctx, "ccv_1"))
	assert.ErrorIs(t, ctl.Commit(ctx, d), handoff.ErrStale)
	_, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandoffRequested})
	require.NoError(t, err)
	_, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandBack})
	require.NoError(t, err)
	assert.ErrorIs(t, ctl.Commit(ctx, d), handoff.ErrStale)
	assert.Error(t, ctl.Forget(ctx, ""))
}

// The same webhook delivered to many handlers at once is stored once and
// reported once.
func TestOnTransitionOncePerChange(t *testing.T) {
	ctx := context.Background()
	ctl, clock, rec := newController(t)
	ev := humanMessage("ccv_1", "cvm_1", clock.Now())

	var wg sync.WaitGroup
	var changed atomic.Int32
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := ctl.Observe(ctx, ev)
			assert.NoError(t, err)
			if tr.Effect == handoff.Applied {
				changed.Add(1)
			} else {
				assert.Equal(t, handoff.Duplicate, tr.Effect)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), changed.Load())
	got := rec.transitions()
	require.Len(t, got, 1)
	assert.Equal(t, handoff.Bot, got[0].From)
	assert.Equal(t, handoff.Human, got[0].To)
	assert.Equal(t, handoff.HumanMessage, got[0].Cause)
	assert.Equal(t, "cvm_1", got[0].Event.ID)

	// A later message extends the grace period: stored, but not a change
	// of owner, so observers are not called.
	clock.Advance(time.Minute)
	tr, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_2", clock.Now()))
	require.NoError(t, err)
	assert.Equal(t, handoff.Applied, tr.Effect)
	assert.False(t, tr.OwnerChanged())
	assert.Len(t, rec.transitions(), 1)

	// A refused handover is reported although the owner stays the bot.
	closed := handoff.WithPolicy(handoff.Policy{Calendar: handoff.CalendarFunc(func(time.Time) bool { return false })})
	ctl2, _, rec2 := newController(t, closed)
	tr, err = ctl2.Observe(ctx, handoff.Event{ID: "req_1", Conversation: "ccv_2", Kind: handoff.HandoffRequested, Meta: map[string]string{"reason": "wants a human"}})
	require.NoError(t, err)
	assert.Equal(t, handoff.Refused, tr.Effect)
	_, err = ctl2.Observe(ctx, handoff.Event{ID: "req_1", Conversation: "ccv_2", Kind: handoff.HandoffRequested})
	require.NoError(t, err)
	got = rec2.transitions()
	require.Len(t, got, 1, "reported once")
	assert.Equal(t, handoff.OutsideHours, got[0].Reason)
	assert.Equal(t, "wants a human", got[0].Event.Meta["reason"])
	d, err := ctl2.Decide(ctx, "ccv_2")
	require.NoError(t, err)
	assert.True(t, d.Allow)
	assert.Equal(t, handoff.OutsideHours, d.Reason)
}

// failingStore fails every call with err.
type failingStore struct{ err error }

func (s failingStore) Get(context.Context, string) (handoff.Record, error) {
	return handoff.Record{}, s.err
}
func (s failingStore) CompareAndSwap(context.Context, string, uint64, handoff.Record) (handoff.Record, bool, error) {
	return handoff.Record{}, false, s.err
}
func (s failingStore) Delete(context.Context, string) error { return s.err }

// A store that fails makes the bot keep quiet and says why; nothing falls
// back to local memory.
func TestStoreErrorFailsClosed(t *testing.T) {
	ctx := context.Background()
	down := errors.New("connection refused")
	ctl, err := handoff.New(failingStore{down})
	require.NoError(t, err)

	d, err := ctl.Decide(ctx, "ccv_1")
	require.ErrorIs(t, err, down)
	assert.Contains(t, err.Error(), `decide "ccv_1"`)
	assert.False(t, d.Allow)
	assert.Equal(t, handoff.StoreFailed, d.Reason)
	assert.Equal(t, handoff.Human, d.State, "the safe assumption")

	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", t0))
	assert.ErrorIs(t, err, down)
	err = ctl.Commit(ctx, handoff.Decision{Conversation: "ccv_1", Allow: true})
	assert.ErrorIs(t, err, down, "a Commit that cannot check must not say yes")
	assert.ErrorIs(t, ctl.Forget(ctx, "ccv_1"), down)

	// A store that reads but cannot write.
	mem := handoff.NewMemoryStore()
	ctl, err = handoff.New(casFailing{mem, down})
	require.NoError(t, err)
	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", time.Time{}))
	assert.ErrorIs(t, err, down)
}

type casFailing struct {
	*handoff.MemoryStore
	err error
}

func (s casFailing) CompareAndSwap(context.Context, string, uint64, handoff.Record) (handoff.Record, bool, error) {
	return handoff.Record{}, false, s.err
}

// busyStore loses every compare-and-swap to another writer.
type busyStore struct {
	*handoff.MemoryStore
	cas atomic.Int32
}

func (s *busyStore) CompareAndSwap(_ context.Context, _ string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	s.cas.Add(1)
	return handoff.Record{Version: expected + 1000}, false, nil
}

func TestObserveGivesUpAfterMaxAttempts(t *testing.T) {
	store := &busyStore{MemoryStore: handoff.NewMemoryStore()}
	ctl, err := handoff.New(store, handoff.WithMaxAttempts(3))
	require.NoError(t, err)
	_, err = ctl.Observe(context.Background(), humanMessage("ccv_1", "cvm_1", time.Time{}))
	assert.ErrorIs(t, err, handoff.ErrContention)
	assert.Equal(t, int32(3), store.cas.Load())
}

// hintingStore is a memory store that offers a hint of its choosing and
// counts the calls the Controller makes.
type hintingStore struct {
	*handoff.MemoryStore
	hint     handoff.Record
	hasHint  bool
	gets     int
	attempts int
}

func (s *hintingStore) Hint(string) (handoff.Record, bool) { return s.hint, s.hasHint }
func (s *hintingStore) Get(ctx context.Context, conv string) (handoff.Record, error) {
	s.gets++
	return s.MemoryStore.Get(ctx, conv)
}
func (s *hintingStore) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	s.attempts++
	return s.MemoryStore.CompareAndSwap(ctx, conv, expected, next)
}

// With a Hinter, Observe stores without reading first; a stale hint costs a
// retry, never a wrong record.
func TestObserveWithHints(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(t0)
	store := &hintingStore{MemoryStore: handoff.NewMemoryStore()}
	ctl, err := handoff.New(store, handoff.WithClock(clock.Now))
	require.NoError(t, err)

	// No hint: read, then write.
	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	assert.Equal(t, 1, store.gets)
	assert.Equal(t, 1, store.attempts)

	// A current hint: one write, no read.
	current, err := store.MemoryStore.Get(ctx, "ccv_1")
	require.NoError(t, err)
	store.hint, store.hasHint, store.gets, store.attempts = current, true, 0, 0
	clock.Advance(time.Minute)
	_, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandBack})
	require.NoError(t, err)
	assert.Equal(t, 0, store.gets)
	assert.Equal(t, 1, store.attempts)

	// A stale hint (the human still owning it): the hand-back above made
	// the record Bot, so a human message must take it again.
	store.gets, store.attempts = 0, 0
	clock.Advance(time.Minute)
	tr, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_2", clock.Now()))
	require.NoError(t, err)
	assert.Equal(t, handoff.Bot, tr.From)
	assert.Equal(t, handoff.Human, tr.To)
	assert.Equal(t, 2, store.attempts, "the stale hint's write failed, the retry won")

	// A stale hint on which the event does nothing: the Controller reads
	// the record itself before concluding so.
	store.gets, store.attempts = 0, 0
	store.hint = handoff.Record{Version: 1, State: handoff.Human, Until: clock.Now().Add(time.Hour), Since: t0}
	tr, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandoffRequested})
	require.NoError(t, err)
	assert.Equal(t, 1, store.gets)
	assert.Equal(t, handoff.NoEffect, tr.Effect, "the record is Human: a handover request changes nothing")
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	ctl, clock, rec := newController(t, handoff.WithSweeping())
	_, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	_, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_2", Kind: handoff.HandoffRequested})
	require.NoError(t, err)

	n, err := ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is due yet")

	clock.Advance(15 * time.Minute) // the pending request times out
	n, err = ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	clock.Advance(15 * time.Minute) // the grace period ends
	n, err = ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	got := rec.transitions()
	require.Len(t, got, 4)
	assert.Equal(t, handoff.Expiry, got[2].Cause)
	assert.Equal(t, handoff.PendingTimedOut, got[2].Reason)
	assert.True(t, got[2].At.Equal(t0.Add(15*time.Minute)))
	assert.Equal(t, handoff.Expiry, got[3].Cause)
	assert.Equal(t, handoff.GraceOver, got[3].Reason)
	assert.Equal(t, "", got[3].Event.Conversation, "a sweep has no event")

	unswept, _, _ := newController(t)
	_, err = unswept.Sweep(ctx)
	assert.ErrorIs(t, err, handoff.ErrNotSweeping)
	assert.ErrorIs(t, unswept.RunSweeper(ctx, time.Second), handoff.ErrNotSweeping)
}

// Two replicas on one store: the one that did not see the extension sweeps
// at the old deadline, finds it moved, and follows it; the change is stored
// and reported once.
func TestSweepFollowsExtensions(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(t0)
	store := handoff.NewMemoryStore()
	var reports atomic.Int32
	count := handoff.OnTransition(func(tr handoff.Transition) {
		if tr.Cause == handoff.Expiry {
			reports.Add(1)
		}
	})
	a, err := handoff.New(store, handoff.WithClock(clock.Now), handoff.WithSweeping(), count)
	require.NoError(t, err)
	b, err := handoff.New(store, handoff.WithClock(clock.Now), handoff.WithSweeping(), count)
	require.NoError(t, err)

	_, err = a.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	clock.Advance(20 * time.Minute)
	_, err = b.Observe(ctx, humanMessage("ccv_1", "cvm_2", clock.Now()))
	require.NoError(t, err)

	clock.Advance(10 * time.Minute) // a's deadline, no longer the record's
	n, err := a.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	clock.Advance(20 * time.Minute) // the real deadline
	na, err := a.Sweep(ctx)
	require.NoError(t, err)
	nb, err := b.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, na+nb)
	assert.Equal(t, int32(1), reports.Load())
}

func TestRunSweeper(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan handoff.Transition, 1)
	ctl, clock, _ := newController(t, handoff.WithSweeping(), handoff.WithLogger(slog.New(slog.DiscardHandler)),
		handoff.OnTransition(func(tr handoff.Transition) {
			if tr.Cause == handoff.Expiry {
				done <- tr
			}
		}))
	_, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	clock.Advance(time.Hour)

	errc := make(chan error, 1)
	go func() { errc <- ctl.RunSweeper(ctx, time.Millisecond) }()
	select {
	case tr := <-done:
		assert.Equal(t, handoff.Bot, tr.To)
	case <-time.After(10 * time.Second):
		t.Fatal("the sweeper did not hand the conversation back")
	}
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	assert.Error(t, ctl.RunSweeper(context.Background(), 0))
}

// A Decide that reads a passed deadline leaves it due for the sweeper, and
// a sweep racing a newer write does not forget the newer deadline.
func TestSweepKeepsDeadlinesItShouldNotForget(t *testing.T) {
	ctx := context.Background()
	ctl, clock, rec := newController(t, handoff.WithSweeping())
	_, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	clock.Advance(time.Hour)
	d, err := ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	require.True(t, d.Allow)
	n, err := ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the hand-back Decide saw is still stored and reported")
	assert.Len(t, rec.transitions(), 2)
}

// A deadline the decision already counted, stored after Decide, does not
// make the reply stale; a real change does.
func TestCommitAfterTheDeadlineIsStored(t *testing.T) {
	ctx := context.Background()
	ctl, clock, _ := newController(t)
	_, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)
	clock.Advance(31 * time.Minute)
	d, err := ctl.Decide(ctx, "ccv_1")
	require.NoError(t, err)
	require.True(t, d.Allow)

	tr, err := ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.UserMessage}) // stores the expiry
	require.NoError(t, err)
	require.Equal(t, handoff.Expiry, tr.Cause)
	assert.NoError(t, ctl.Commit(ctx, d))

	_, err = ctl.Observe(ctx, handoff.Event{Conversation: "ccv_1", Kind: handoff.HandoffRequested})
	require.NoError(t, err)
	assert.ErrorIs(t, ctl.Commit(ctx, d), handoff.ErrStale)
}

func TestPolicyRejectsUnusableCalendars(t *testing.T) {
	var nilHours *handoff.BusinessHours
	_, err := handoff.New(nil, handoff.WithPolicy(handoff.Policy{Calendar: nilHours}))
	assert.ErrorContains(t, err, "Policy.Calendar")
	assert.False(t, nilHours.Open(t0), "a nil *BusinessHours is closed, and does not panic")

	overnight := &handoff.BusinessHours{}
	overnight.Days[time.Friday] = []handoff.Span{{Start: 22 * time.Hour, End: 30 * time.Hour}}
	_, err = handoff.New(nil, handoff.WithPolicy(handoff.Policy{Calendar: overnight}))
	assert.ErrorContains(t, err, "Days[Friday]")

	empty := &handoff.BusinessHours{}
	empty.Days[time.Monday] = []handoff.Span{{Start: 9 * time.Hour, End: 9 * time.Hour}}
	assert.Error(t, empty.Validate())
}

func TestMemoryStoreRejectsVersionsThatDoNotGrow(t *testing.T) {
	store := handoff.NewMemoryStore()
	for _, v := range []uint64{0, 5} {
		_, ok, err := store.CompareAndSwap(context.Background(), "ccv_1", 5, handoff.Record{Version: v})
		assert.Error(t, err, "version %d", v)
		assert.False(t, ok)
	}
	_, ok, err := store.CompareAndSwap(context.Background(), "ccv_1", 0, handoff.Record{})
	assert.Error(t, err, "a record stored with version 0 would look absent")
	assert.False(t, ok)
}

// interferingStore runs hook once, right after the first successful
// compare-and-swap made while armed: another writer slipping in between a
// sweep's write and its bookkeeping.
type interferingStore struct {
	*handoff.MemoryStore
	armed atomic.Bool
	hook  func()
}

func (s *interferingStore) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	cur, ok, err := s.MemoryStore.CompareAndSwap(ctx, conv, expected, next)
	if ok && s.armed.CompareAndSwap(true, false) {
		s.hook()
	}
	return cur, ok, err
}

// A human message stored while a sweep hands the conversation back sets a
// new deadline; the sweep's own bookkeeping, coming after, must not drop it.
func TestSweepDoesNotForgetANewerDeadline(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(t0)
	store := &interferingStore{MemoryStore: handoff.NewMemoryStore()}
	var expiries atomic.Int32
	ctl, err := handoff.New(store, handoff.WithClock(clock.Now), handoff.WithSweeping(),
		handoff.OnTransition(func(tr handoff.Transition) {
			if tr.Cause == handoff.Expiry {
				expiries.Add(1)
			}
		}))
	require.NoError(t, err)
	_, err = ctl.Observe(ctx, humanMessage("ccv_1", "cvm_1", clock.Now()))
	require.NoError(t, err)

	clock.Advance(30 * time.Minute)
	store.hook = func() {
		_, err := ctl.Observe(ctx, humanMessage("ccv_1", "cvm_2", clock.Now()))
		assert.NoError(t, err)
	}
	store.armed.Store(true)
	n, err := ctl.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the first grace period ended")

	clock.Advance(30 * time.Minute) // the second one ends
	n, err = ctl.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the deadline set during the sweep was kept")
	assert.Equal(t, int32(2), expiries.Load())
}
