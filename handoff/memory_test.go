package handoff_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

func TestMemoryStoreConformance(t *testing.T) {
	handofftest.RunStoreTests(t, func(*testing.T) handoff.Store { return handoff.NewMemoryStore() })
}

// Idle records go after the TTL; a record whose deadline is still ahead
// stays until the TTL after the deadline, so eviction never hands a
// conversation back early.
func TestMemoryStoreEviction(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(t0)
	store := handoff.NewMemoryStore(handoff.WithIdleTTL(time.Hour), handoff.WithStoreClock(clock.Now))
	write := func(conv string, r handoff.Record) {
		t.Helper()
		_, ok, err := store.CompareAndSwap(ctx, conv, 0, r)
		require.NoError(t, err)
		require.True(t, ok)
	}
	version := func(conv string) uint64 {
		t.Helper()
		r, err := store.Get(ctx, conv)
		require.NoError(t, err)
		return r.Version
	}
	write("idle", handoff.Record{Version: 1, State: handoff.Bot, Since: t0})
	write("waiting", handoff.Record{Version: 1, State: handoff.Pending, Since: t0}) // no timeout
	write("held", handoff.Record{Version: 1, State: handoff.Human, Since: t0, Until: t0.Add(4 * time.Hour)})

	clock.Advance(time.Hour - time.Nanosecond)
	assert.Zero(t, store.Evict(), "not idle for the whole TTL yet")
	assert.Equal(t, uint64(1), version("idle"))

	clock.Advance(time.Nanosecond)
	assert.Equal(t, 1, store.Evict())
	assert.Zero(t, version("idle"), "evicted")
	assert.Equal(t, uint64(1), version("held"), "kept: its deadline is ahead")

	clock.Set(t0.Add(5*time.Hour - time.Nanosecond))
	assert.Zero(t, store.Evict(), "kept until the TTL after its deadline")
	clock.Advance(time.Nanosecond)
	assert.Equal(t, 1, store.Evict())
	assert.Equal(t, uint64(1), version("waiting"), "a handover with no timeout waits as long as it takes")
	require.NoError(t, store.Delete(ctx, "waiting"))
	assert.Zero(t, store.Len())

	// Writes evict by themselves: a write to each shard after the TTL
	// removes the records idle there.
	for i := range 1000 {
		write(fmt.Sprintf("old%d", i), handoff.Record{Version: 1, Since: clock.Now()})
	}
	clock.Advance(2 * time.Hour)
	for i := range 1000 {
		write(fmt.Sprintf("new%d", i), handoff.Record{Version: 1, Since: clock.Now()})
	}
	assert.Less(t, store.Len(), 1900, "most of the old records went with the new writes")
	store.Evict()
	assert.Equal(t, 1000, store.Len(), "and Evict removes the rest")
}

func TestMemoryStoreWithoutTTL(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(t0)
	store := handoff.NewMemoryStore(handoff.WithIdleTTL(0), handoff.WithStoreClock(clock.Now))
	_, _, err := store.CompareAndSwap(ctx, "ccv_1", 0, handoff.Record{Version: 1, Since: t0})
	require.NoError(t, err)
	clock.Advance(100 * 24 * time.Hour)
	assert.Zero(t, store.Evict())
	got, err := store.Get(ctx, "ccv_1")
	require.NoError(t, err)
	assert.Equal(t, uint64(1), got.Version)
}

func TestMemoryStoreRejectsTimesItCannotHold(t *testing.T) {
	store := handoff.NewMemoryStore()
	_, ok, err := store.CompareAndSwap(context.Background(), "ccv_1", 0,
		handoff.Record{Version: 1, Until: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Record.Until")
	assert.False(t, ok)
	assert.Zero(t, store.Len())
}
