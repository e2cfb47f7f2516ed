package webhookverify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// ddClock is a manual clock for the MemoryDeduper's TTL.
type ddClock struct{ now time.Time }

func (c *ddClock) Now() time.Time { return c.now }

func ddNew(capacity int, ttl time.Duration) (*webhookverify.MemoryDeduper, *ddClock) {
	clock := &ddClock{now: time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)}
	return webhookverify.NewMemoryDeduper(capacity, ttl, webhookverify.WithDedupeClock(clock.Now)), clock
}

func ddBegin(t *testing.T, d webhookverify.Deduper, key string) webhookverify.DeliveryState {
	t.Helper()
	s, err := d.Begin(context.Background(), key)
	require.NoError(t, err)
	return s
}

func ddEnd(t *testing.T, d webhookverify.Deduper, key string, handled bool) {
	t.Helper()
	require.NoError(t, d.End(context.Background(), key, handled))
}

func TestMemoryDeduperLifecycle(t *testing.T) {
	t.Parallel()
	d, _ := ddNew(0, 0)
	assert.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, "whd_1"))
	assert.Equal(t, webhookverify.DeliveryInFlight, ddBegin(t, d, "whd_1"), "claimed, not settled")
	assert.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, "whd_2"), "other keys are independent")

	ddEnd(t, d, "whd_1", false) // the callback failed: forget it
	assert.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, "whd_1"), "the vendor's retry is handled")
	ddEnd(t, d, "whd_1", true)
	assert.Equal(t, webhookverify.DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, webhookverify.DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, 1, d.Len())
}

func TestMemoryDeduperDefaults(t *testing.T) {
	t.Parallel()
	d := webhookverify.NewMemoryDeduper(0, 0)
	assert.Equal(t, webhookverify.DefaultDedupeTTL, d.TTL())
	assert.Equal(t, webhookverify.DefaultDedupeCapacity, d.Capacity())
	d = webhookverify.NewMemoryDeduper(-3, -time.Second, nil, webhookverify.WithDedupeClock(nil))
	assert.Equal(t, webhookverify.DefaultDedupeTTL, d.TTL())
	assert.Equal(t, webhookverify.DefaultDedupeCapacity, d.Capacity())
	ddBegin(t, d, "k") // a nil option and a nil clock leave time.Now in place
	d = webhookverify.NewMemoryDeduper(10, time.Hour)
	assert.Equal(t, time.Hour, d.TTL())
	assert.Equal(t, 10, d.Capacity())
}

func TestMemoryDeduperTTL(t *testing.T) {
	t.Parallel()
	d, clock := ddNew(0, 35*time.Minute)
	ddBegin(t, d, "whd_1")
	ddEnd(t, d, "whd_1", true)
	clock.now = clock.now.Add(35*time.Minute - time.Nanosecond)
	assert.Equal(t, webhookverify.DeliveryHandled, ddBegin(t, d, "whd_1"))
	clock.now = clock.now.Add(time.Nanosecond)
	assert.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, "whd_1"), "forgotten after the TTL")
	assert.Zero(t, d.Len(), "the expired entry is dropped")

	// Handled again: remembered for a fresh TTL.
	ddEnd(t, d, "whd_1", true)
	clock.now = clock.now.Add(time.Minute)
	assert.Equal(t, webhookverify.DeliveryHandled, ddBegin(t, d, "whd_1"))
	assert.Equal(t, 1, d.Len())
}

func TestMemoryDeduperCapacity(t *testing.T) {
	t.Parallel()
	d, clock := ddNew(3, time.Hour)
	for i := range 4 {
		key := fmt.Sprintf("whd_%d", i)
		require.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, key))
		ddEnd(t, d, key, true)
		clock.now = clock.now.Add(time.Second)
	}
	assert.Equal(t, 3, d.Len())
	assert.Equal(t, webhookverify.DeliveryNew, ddBegin(t, d, "whd_0"), "the oldest was evicted")
	for i := 1; i < 4; i++ {
		assert.Equal(t, webhookverify.DeliveryHandled, ddBegin(t, d, fmt.Sprintf("whd_%d", i)))
	}

	// In-flight claims are not evicted by handled deliveries.
	for i := 10; i < 20; i++ {
		key := fmt.Sprintf("whd_%d", i)
		ddBegin(t, d, key)
		ddEnd(t, d, key, true)
	}
	assert.Equal(t, webhookverify.DeliveryInFlight, ddBegin(t, d, "whd_0"))
}

func TestMemoryDeduperConcurrent(t *testing.T) {
	t.Parallel()
	d := webhookverify.NewMemoryDeduper(64, time.Hour)
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
				if s == webhookverify.DeliveryNew {
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
	t.Parallel()
	assert.Equal(t, "new", webhookverify.DeliveryNew.String())
	assert.Equal(t, "handled", webhookverify.DeliveryHandled.String())
	assert.Equal(t, "in flight", webhookverify.DeliveryInFlight.String())
	assert.Equal(t, "DeliveryState(9)", webhookverify.DeliveryState(9).String())
}
