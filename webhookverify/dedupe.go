package webhookverify

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/botbridge/botbridge/internal/fifo"
)

// Deduper remembers which webhook deliveries were handled, so that a
// delivery the vendor retries after the receiver's callback succeeded (every
// vendor retries on a timeout, a network error, and some on any non-2xx)
// does not reach the callback twice. The vendor handlers in this module
// (munin.NewWebhookHandler, moveo.NewWebhookHandler) use a MemoryDeduper
// unless their WithDeduper option gives another, such as one on Redis
// shared by several replicas.
//
// A handler calls Begin before its callback and, when Begin returned
// DeliveryNew, End after it: End(…, true) when the callback succeeded, and
// End(…, false) when it failed or panicked, which frees the key so that the
// vendor's retry is handled. Implementations must be safe for concurrent
// use, and Begin must be atomic: of two concurrent Begins for one key, one
// gets DeliveryNew and the other DeliveryInFlight. A handled key must be
// kept at least as long as a replay can pass the handler's replay window
// (the window plus its clock-skew allowance); an in-flight key whose End
// never comes (the process died) should expire after a while, such as a
// minute, in stores that outlive the process.
type Deduper interface {
	// Begin claims key for a delivery about to be handled.
	Begin(ctx context.Context, key string) (DeliveryState, error)
	// End settles a claim made by Begin: handled true remembers key as
	// handled, false forgets it.
	End(ctx context.Context, key string, handled bool) error
}

// DeliveryState is what Deduper.Begin found.
type DeliveryState uint8

const (
	// DeliveryNew: the key was neither handled nor in flight; the caller
	// now holds it and must call End.
	DeliveryNew DeliveryState = iota
	// DeliveryHandled: a delivery with this key was handled already.
	DeliveryHandled
	// DeliveryInFlight: another request is handling the key right now.
	DeliveryInFlight
)

// String returns "new", "handled" or "in flight".
func (s DeliveryState) String() string {
	switch s {
	case DeliveryNew:
		return "new"
	case DeliveryHandled:
		return "handled"
	case DeliveryInFlight:
		return "in flight"
	}
	return "DeliveryState(" + strconv.Itoa(int(s)) + ")"
}

const (
	// DefaultDedupeCapacity is how many handled deliveries a MemoryDeduper
	// remembers by default. Munin sends one delivery at a time, at most 25
	// every 5 seconds, so one Munin webhook gets at most about 10,500 in
	// the 35 minutes a replay can pass its default window: 16,384 covers
	// them, and Moveo's 6-minute window as well at up to 45 events a second.
	DefaultDedupeCapacity = 1 << 14

	// DefaultDedupeTTL is how long a MemoryDeduper made with ttl <= 0
	// remembers a handled delivery: longer than the default replay window
	// plus clock-skew allowance of every handler in this module (Munin 30 +
	// 5 minutes, Moveo 5 + 1). The handlers themselves size the TTL of the
	// MemoryDeduper they make to their window.
	DefaultDedupeTTL = time.Hour
)

// MemoryDeduper is the Deduper the vendor handlers use by default:
// in-memory, bounded, safe for concurrent use. It remembers a handled key
// for its TTL, and forgets the oldest handled key early when it holds
// Capacity of them. Memory is per process: replicas behind one URL each see
// some of the vendor's retries, so give them a shared Deduper to drop
// duplicates across them.
type MemoryDeduper struct {
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	inflight map[string]struct{}
	handled  fifo.Set // stamps are expiry times in Unix nanoseconds
}

// MemoryDeduperOption configures NewMemoryDeduper.
type MemoryDeduperOption func(*MemoryDeduper)

// WithDedupeClock sets the clock a MemoryDeduper measures its TTL with; the
// default (and what a nil now means) is time.Now. The vendor handlers pass
// their own clock (their WithClock option) so that tests control both.
func WithDedupeClock(now func() time.Time) MemoryDeduperOption {
	return func(d *MemoryDeduper) {
		if now != nil {
			d.now = now
		}
	}
}

// NewMemoryDeduper returns a MemoryDeduper that remembers up to capacity
// handled deliveries (DefaultDedupeCapacity when capacity <= 0) for ttl each
// (DefaultDedupeTTL when ttl <= 0).
func NewMemoryDeduper(capacity int, ttl time.Duration, opts ...MemoryDeduperOption) *MemoryDeduper {
	if capacity <= 0 {
		capacity = DefaultDedupeCapacity
	}
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	d := &MemoryDeduper{
		ttl:      ttl,
		now:      time.Now,
		inflight: make(map[string]struct{}),
		handled:  fifo.New(capacity),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(d)
		}
	}
	return d
}

// Begin implements Deduper. It never fails.
func (d *MemoryDeduper) Begin(_ context.Context, key string) (DeliveryState, error) {
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handled.Expire(now)
	if expiry, ok := d.handled.Get(key); ok && expiry > now {
		return DeliveryHandled, nil
	}
	if _, ok := d.inflight[key]; ok {
		return DeliveryInFlight, nil
	}
	d.inflight[key] = struct{}{}
	return DeliveryNew, nil
}

// End implements Deduper. It never fails.
func (d *MemoryDeduper) End(_ context.Context, key string, handled bool) error {
	var expiry int64
	if handled {
		expiry = d.now().Add(d.ttl).UnixNano()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inflight, key)
	if handled {
		d.handled.Put(key, expiry)
	}
	return nil
}

// Len returns how many handled deliveries d remembers, expired ones it has
// not dropped yet included.
func (d *MemoryDeduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.handled.Len()
}

// TTL returns how long d remembers a handled delivery.
func (d *MemoryDeduper) TTL() time.Duration { return d.ttl }

// Capacity returns how many handled deliveries d remembers at most.
func (d *MemoryDeduper) Capacity() int { return d.handled.Limit() }
