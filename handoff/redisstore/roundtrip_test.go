package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
	"github.com/botbridge/botbridge/handoff/redisstore"
)

// A Controller on a redisstore makes one round trip per call: Decide and
// Commit one HMGET each, Observe one EVALSHA when the Store's hint is
// current. The counts are taken after a warm-up that opens the client's
// connection (its handshake is a pipeline of its own) and loads the
// compare-and-swap script into Redis (the first EVALSHA on a Redis that
// never saw it is answered NOSCRIPT and followed by an EVAL).
func TestRoundTrips(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newClient func() redis.UniversalClient) {
		ctx := t.Context()
		client := newClient()
		prefix := testPrefix(t, client)
		clock := handofftest.NewClock(t0)
		controller := func(opts ...redisstore.Option) *handoff.Controller {
			s, err := redisstore.New(client, append(opts, redisstore.WithKeyPrefix(prefix))...)
			require.NoError(t, err)
			ctl, err := handoff.New(s, handoff.WithClock(clock.Now))
			require.NoError(t, err)
			return ctl
		}
		ctl := controller()
		rt := countRoundTrips(client)
		humanMessage := func(id, conv string) handoff.Event {
			return handoff.Event{ID: id, Conversation: conv, Kind: handoff.HumanMessage, OccurredAt: clock.Advance(time.Second)}
		}

		_, err := ctl.Observe(ctx, humanMessage("warm-up", "warm-up"))
		require.NoError(t, err)

		var d handoff.Decision
		sent := rt.during(func() { d, err = ctl.Decide(ctx, "ccv_1") })
		require.NoError(t, err)
		assert.True(t, d.Allow)
		assert.Equal(t, []string{"hmget"}, sent, "Decide")

		sent = rt.during(func() { err = ctl.Commit(ctx, d) })
		require.NoError(t, err)
		assert.Equal(t, []string{"hmget"}, sent, "Commit")

		var tr handoff.Transition
		sent = rt.during(func() { tr, err = ctl.Observe(ctx, humanMessage("m1", "ccv_1")) })
		require.NoError(t, err)
		assert.Equal(t, handoff.Applied, tr.Effect)
		assert.Equal(t, []string{"evalsha"}, sent, "Observe that changes the record")

		sent = rt.during(func() { d, err = ctl.Decide(ctx, "ccv_1") })
		require.NoError(t, err)
		assert.False(t, d.Allow)
		assert.Equal(t, []string{"hmget"}, sent, "Decide")

		// Another replica changed the conversation: the stale hint costs
		// a failed swap, whose reply carries the record to retry from.
		other := controller()
		_, err = other.Observe(ctx, humanMessage("m2", "ccv_1"))
		require.NoError(t, err)
		sent = rt.during(func() { tr, err = ctl.Observe(ctx, humanMessage("m3", "ccv_1")) })
		require.NoError(t, err)
		assert.Equal(t, handoff.Applied, tr.Effect)
		assert.Equal(t, []string{"evalsha", "evalsha"}, sent, "Observe from a stale hint")

		// Without hints, Observe reads first.
		cold := controller(redisstore.WithHintCache(0))
		sent = rt.during(func() { tr, err = cold.Observe(ctx, humanMessage("m4", "ccv_1")) })
		require.NoError(t, err)
		assert.Equal(t, handoff.Applied, tr.Effect)
		assert.Equal(t, []string{"hmget", "evalsha"}, sent, "Observe without a hint")
	})
}
