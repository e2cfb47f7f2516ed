package redisstore_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
	"github.com/botbridge/botbridge/handoff/redisstore"
)

// replicas returns n Controllers, each with its own client and Store (so
// its own hints), sharing one Redis keyspace and clock, as bot replicas do.
func replicas(t *testing.T, newClient func() redis.UniversalClient, clock *handofftest.Clock, n int, opts ...handoff.Option) []*handoff.Controller {
	t.Helper()
	var prefix string
	ctls := make([]*handoff.Controller, n)
	for i := range ctls {
		client := newClient()
		if prefix == "" {
			prefix = testPrefix(t, client)
		}
		s, err := redisstore.New(client, redisstore.WithKeyPrefix(prefix))
		require.NoError(t, err)
		ctls[i], err = handoff.New(s, append(opts, handoff.WithClock(clock.Now))...)
		require.NoError(t, err)
	}
	return ctls
}

// Reply fencing across replicas: each goroutine decides on one replica,
// has the other observe a human event in between, and must then see its
// Commit refused — ErrStale when the decision allowed a reply, since the
// event changed the record, ErrNotAllowed when it did not.
//
// The human events alternate HumanMessage and HandBack, in order, each a
// second after the last (a lock keeps them in order, as one desk's events
// are), so every one changes the owner and the conversation keeps moving
// between the bot and a human while 16 goroutines decide and commit
// around it.
func TestReplicasFenceReplies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newClient func() redis.UniversalClient) {
		const (
			perReplica = 8
			rounds     = 25
			conv       = "ccv_fence"
		)
		ctx := t.Context()
		clock := handofftest.NewClock(t0)
		ctls := replicas(t, newClient, clock, 2)

		var (
			mu       sync.Mutex // orders the human events
			seq      int
			lastKind handoff.Kind
		)
		humanEvent := func(observer *handoff.Controller) error {
			mu.Lock()
			defer mu.Unlock()
			seq++
			kind := handoff.HumanMessage
			if seq%2 == 0 {
				kind = handoff.HandBack
			}
			tr, err := observer.Observe(ctx, handoff.Event{
				ID: fmt.Sprintf("ev-%d", seq), Conversation: conv, Kind: kind, OccurredAt: clock.Advance(time.Second),
			})
			if err != nil {
				return err
			}
			if tr.Effect != handoff.Applied || !tr.OwnerChanged() {
				return fmt.Errorf("event %d (%s): effect %s, %s -> %s; want a change of owner", seq, kind, tr.Effect, tr.From, tr.To)
			}
			lastKind = kind
			return nil
		}

		var (
			allowed, refused atomic.Int64
			firstDecided     sync.WaitGroup // a barrier: all first decisions come before any event
			wg               sync.WaitGroup
		)
		firstDecided.Add(2 * perReplica)
		for r := range 2 {
			mine, other := ctls[r], ctls[1-r]
			for range perReplica {
				wg.Go(func() {
					for i := range rounds {
						d, err := mine.Decide(ctx, conv)
						if i == 0 {
							firstDecided.Done()
							firstDecided.Wait()
						}
						if err != nil {
							t.Errorf("Decide: %v", err)
							return
						}
						if err := humanEvent(other); err != nil {
							t.Errorf("Observe: %v", err)
							return
						}
						err = mine.Commit(ctx, d)
						if d.Allow {
							allowed.Add(1)
							if !errors.Is(err, handoff.ErrStale) {
								t.Errorf("Commit of an allowing decision after a human event: %v, want ErrStale", err)
							}
						} else {
							refused.Add(1)
							if !errors.Is(err, handoff.ErrNotAllowed) {
								t.Errorf("Commit of a refusing decision: %v, want ErrNotAllowed", err)
							}
						}
					}
				})
			}
		}
		wg.Wait()
		t.Logf("%d events; %d decisions allowed a reply (all stale at Commit), %d did not", seq, allowed.Load(), refused.Load())
		assert.GreaterOrEqual(t, allowed.Load(), int64(2*perReplica), "every first decision saw the bot's conversation")

		// Both replicas read the record the last event left.
		wantState := map[handoff.Kind]handoff.State{handoff.HumanMessage: handoff.Human, handoff.HandBack: handoff.Bot}[lastKind]
		a, err := ctls[0].Decide(ctx, conv)
		require.NoError(t, err)
		b, err := ctls[1].Decide(ctx, conv)
		require.NoError(t, err)
		assert.Equal(t, a, b)
		assert.Equal(t, 2*perReplica*rounds, seq)
		assert.Equal(t, wantState, a.State, "after a %s", lastKind)
		assert.NoError(t, ctls[0].Commit(ctx, a), "nothing changed since the last decision")
	})
}

// Concurrent writers on both replicas: 16 goroutines observe human
// messages of one conversation, out of order. No update is lost: the
// record ends with the grace period after the latest message, and the
// owner changed (and was reported) exactly once.
func TestReplicasConcurrentObserve(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newClient func() redis.UniversalClient) {
		const (
			perReplica = 8
			events     = 20 // per goroutine
			conv       = "ccv_busy"
		)
		ctx := t.Context()
		clock := handofftest.NewClock(t0.Add(10 * time.Minute)) // after every event below, within their grace
		var transitions atomic.Int64
		ctls := replicas(t, newClient, clock, 2,
			handoff.OnTransition(func(handoff.Transition) { transitions.Add(1) }))

		var (
			next       atomic.Int64 // numbers the events; event k happened k seconds after t0
			contention atomic.Int64
			wg         sync.WaitGroup
		)
		for r := range 2 {
			ctl := ctls[r]
			for range perReplica {
				wg.Go(func() {
					for range events {
						k := next.Add(1)
						ev := handoff.Event{
							ID: fmt.Sprintf("m-%d", k), Conversation: conv, Kind: handoff.HumanMessage,
							OccurredAt: t0.Add(time.Duration(k) * time.Second),
						}
						// ErrContention says "deliver the event again"; a
						// bound keeps a broken store from spinning forever.
						var err error
						for range 100 {
							if _, err = ctl.Observe(ctx, ev); !errors.Is(err, handoff.ErrContention) {
								break
							}
							contention.Add(1)
						}
						if err != nil {
							t.Errorf("Observe %s: %v", ev.ID, err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		t.Logf("%d events, %d redeliveries after ErrContention", next.Load(), contention.Load())

		latest := t0.Add(time.Duration(next.Load()) * time.Second)
		a, err := ctls[0].Decide(ctx, conv)
		require.NoError(t, err)
		b, err := ctls[1].Decide(ctx, conv)
		require.NoError(t, err)
		assert.Equal(t, a, b)
		assert.Equal(t, handoff.Human, a.State)
		assert.Equal(t, handoff.HumanActive, a.Reason)
		assert.Equal(t, latest.Add(handoff.DefaultGrace), a.Until, "the latest message's grace period")
		assert.Equal(t, int64(1), transitions.Load(), "changes of owner reported")
	})
}
