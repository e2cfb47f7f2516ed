package munin

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ddClock is a manual clock for the MemoryDeduper's TTL.
type ddClock struct{ now time.Time }

func (c *ddClock) Now() time.Time { return c.now }

func ddNew(capacity int, ttl time.Duration) (*MemoryDeduper, *ddClock) {
	clock := &ddClock{now: time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)}
	return newMemoryDeduper(capacity, ttl, clock.Now), clock
}

func ddBegin(t *testing.T, d Deduper, key string) DeliveryState {
	t.Helper()
	s, err := d.Begin(context.Background(), key)
	require.NoError(t, err)
	return s
}

func ddEnd(t *testing.T, d Deduper, key string, handled bool) {
	t.Helper()
	require.NoError(t, d.End(context.Background(), key, handled))
}

func TestMemoryDeduperLifecycle(t *testing.T) {
	d, _ := ddNew(0, 0)
	assert.Equal(t, DeliveryNew, ddBegin(t, d, "whd_1"))
	assert.Equal(t, DeliveryInFlight, ddBegin(t, d, "whd_1"), "claimed, not settled")
	assert.Equal(t, DeliveryNew, ddBegin(t, d, "whd_2"), "other keys are independent")

	ddEnd(t, d, "whd_1", false) // the callback failed: forget it
	assert.Equal(t, DeliveryNew, ddBegin(t, d, "whd_1"), "Munin's retry is handled")
	ddEnd(t, d, "whd_1", true)
	assert.Equal(t, DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, 1, d.Len())
}

func TestMemoryDeduperDefaults(t *testing.T) {
	d := NewMemoryDeduper(0, 0)
	assert.Equal(t, DefaultReplayWindow+MaxClockSkew, d.ttl)
	assert.Equal(t, DefaultDedupeCapacity, d.handled.limit)
	d = NewMemoryDeduper(-3, -time.Second)
	assert.Equal(t, DefaultReplayWindow+MaxClockSkew, d.ttl)
	assert.Equal(t, DefaultDedupeCapacity, d.handled.limit)
	d = NewMemoryDeduper(10, time.Hour)
	assert.Equal(t, time.Hour, d.ttl)
	assert.Equal(t, 10, d.handled.limit)
}

func TestMemoryDeduperTTL(t *testing.T) {
	d, clock := ddNew(0, 35*time.Minute)
	ddBegin(t, d, "whd_1")
	ddEnd(t, d, "whd_1", true)
	clock.now = clock.now.Add(35*time.Minute - time.Nanosecond)
	assert.Equal(t, DeliveryHandled, ddBegin(t, d, "whd_1"))
	clock.now = clock.now.Add(time.Nanosecond)
	assert.Equal(t, DeliveryNew, ddBegin(t, d, "whd_1"), "forgotten after the TTL")
	assert.Zero(t, d.Len(), "the expired entry is dropped")

	// Handled again: remembered for a fresh TTL.
	ddEnd(t, d, "whd_1", true)
	clock.now = clock.now.Add(time.Minute)
	assert.Equal(t, DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, 1, d.Len())
}

func TestMemoryDeduperCapacity(t *testing.T) {
	d, clock := ddNew(3, time.Hour)
	for i := range 4 {
		key := fmt.Sprintf("whd_%d", i)
		require.Equal(t, DeliveryNew, ddBegin(t, d, key))
		ddEnd(t, d, key, true)
		clock.now = clock.now.Add(time.Second)
	}
	assert.Equal(t, 3, d.Len())
	assert.Equal(t, DeliveryNew, ddBegin(t, d, "whd_0"), "the oldest was evicted")
	for i := 1; i < 4; i++ {
		assert.Equal(t, DeliveryHandled, ddBegin(t, d, fmt.Sprintf("whd_%d", i)))
	}

	// In-flight claims are not evicted by handled deliveries.
	for i := 10; i < 20; i++ {
		key := fmt.Sprintf("whd_%d", i)
		ddBegin(t, d, key)
		ddEnd(t, d, key, true)
	}
	assert.Equal(t, DeliveryInFlight, ddBegin(t, d, "whd_0"))
}

func TestMemoryDeduperConcurrent(t *testing.T) {
	d := NewMemoryDeduper(64, time.Hour)
	const workers, keys = 8, 50
	var mu sync.Mutex
	news := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				key := fmt.Sprintf("whd_%d", k)
				s, _ := d.Begin(context.Background(), key)
				if s == DeliveryNew {
					mu.Lock()
					news[key]++
					mu.Unlock()
					_ = d.End(context.Background(), key, true)
				}
			}
		}()
	}
	wg.Wait()
	for k := range keys {
		assert.Equal(t, 1, news[fmt.Sprintf("whd_%d", k)], "key %d handled once", k)
	}
}

func TestDeliveryStateString(t *testing.T) {
	assert.Equal(t, "new", DeliveryNew.String())
	assert.Equal(t, "handled", DeliveryHandled.String())
	assert.Equal(t, "in flight", DeliveryInFlight.String())
	assert.Equal(t, "DeliveryState(9)", DeliveryState(9).String())
}

func TestFIFOSetWrapsAndGrows(t *testing.T) {
	s := newFIFOSet(100)
	for i := range 250 {
		s.put(fmt.Sprint(i), int64(i))
		assert.LessOrEqual(t, s.len(), 100)
		assert.LessOrEqual(t, len(s.ring), 100)
	}
	assert.Equal(t, 100, s.len())
	for i := range 250 {
		_, ok := s.get(fmt.Sprint(i))
		assert.Equal(t, i >= 150, ok, "key %d", i)
	}
	// Expiry drops the oldest first, across the wrap.
	s.expire(199)
	assert.Equal(t, 50, s.len())
	_, ok := s.get("199")
	assert.False(t, ok)
	_, ok = s.get("200")
	assert.True(t, ok)
	s.expire(1000)
	assert.Zero(t, s.len())
	assert.Zero(t, s.size)
}

func TestFIFOSetRenewedKeyOutlivesItsOldEntry(t *testing.T) {
	s := newFIFOSet(4)
	s.put("a", 1)
	s.put("b", 2)
	s.put("a", 3) // renewed: its first ring entry is now stale
	s.expire(1)   // drops the stale entry, not the key
	st, ok := s.get("a")
	assert.True(t, ok)
	assert.EqualValues(t, 3, st)
	s.expire(2)
	_, ok = s.get("b")
	assert.False(t, ok)
	s.expire(3)
	assert.Zero(t, s.len())
}
