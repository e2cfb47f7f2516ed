package munin

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Deduper remembers which webhook deliveries were handled, so that a
// delivery Munin retries after its callback succeeded — Munin retries on any
// non-2xx, on a network error and after its 15 second timeout (§3.2) — does
// not reach the callback twice. NewWebhookHandler uses a MemoryDeduper unless
// WithDeduper gives another, such as one on Redis shared by several
// replicas.
//
// The handler calls Begin before the callback and, when Begin returned
// DeliveryNew, End after it: End(…, true) when the callback succeeded, and
// End(…, false) when it failed or panicked, which frees the key so that
// Munin's retry is handled. Implementations must be safe for concurrent use,
// and Begin must be atomic: of two concurrent Begins for one key, one gets
// DeliveryNew and the other DeliveryInFlight. A handled key must be kept at
// least as long as a replay can pass the handler's replay window (the window
// plus MaxClockSkew); an in-flight key whose End never comes (the process
// died) should expire after a while, such as a minute, in stores that
// outlive the process.
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

// DefaultDedupeCapacity is how many handled deliveries a MemoryDeduper
// remembers by default. Munin sends one delivery at a time, at most 25 every
// 5 seconds (§3.2), so one webhook gets at most about 10,500 in the 35
// minutes a replay can pass the default window: 16,384 covers them.
const DefaultDedupeCapacity = 1 << 14

// MemoryDeduper is the Deduper NewWebhookHandler uses by default: in-memory,
// bounded, safe for concurrent use. It remembers a handled key for its TTL,
// and forgets the oldest handled key early when it holds Capacity of them.
// Memory is per process: replicas behind one URL each see some of Munin's
// retries, so give them a shared Deduper to drop duplicates across them.
type MemoryDeduper struct {
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	inflight map[string]struct{}
	handled  fifoSet // stamps are expiry times in Unix nanoseconds
}

// NewMemoryDeduper returns a MemoryDeduper that remembers up to capacity
// handled deliveries (DefaultDedupeCapacity when capacity <= 0) for ttl each
// (DefaultReplayWindow + MaxClockSkew when ttl <= 0, which covers the
// handler's default window).
func NewMemoryDeduper(capacity int, ttl time.Duration) *MemoryDeduper {
	return newMemoryDeduper(capacity, ttl, time.Now)
}

func newMemoryDeduper(capacity int, ttl time.Duration, now func() time.Time) *MemoryDeduper {
	if capacity <= 0 {
		capacity = DefaultDedupeCapacity
	}
	if ttl <= 0 {
		ttl = DefaultReplayWindow + MaxClockSkew
	}
	return &MemoryDeduper{
		ttl:      ttl,
		now:      now,
		inflight: make(map[string]struct{}),
		handled:  newFIFOSet(capacity),
	}
}

// Begin implements Deduper. It never fails.
func (d *MemoryDeduper) Begin(_ context.Context, key string) (DeliveryState, error) {
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handled.expire(now)
	if expiry, ok := d.handled.get(key); ok && expiry > now {
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
		d.handled.put(key, expiry)
	}
	return nil
}

// Len returns how many handled deliveries d remembers, expired ones it has
// not dropped yet included.
func (d *MemoryDeduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.handled.len()
}

// fifoSet is a bounded set of strings, each with a stamp, that forgets the
// oldest entry when a new one would exceed its limit. The ring holds keys in
// insertion order; a key put again gets a second ring entry, and a ring
// entry whose stamp no longer matches the map is stale and ignored when it
// leaves the ring. It is not safe for concurrent use: its owners lock.
type fifoSet struct {
	limit int
	stamp map[string]int64
	ring  []fifoEntry // grows up to limit, then wraps
	head  int         // the oldest entry
	size  int
}

type fifoEntry struct {
	key   string
	stamp int64
}

func newFIFOSet(limit int) fifoSet {
	return fifoSet{limit: limit, stamp: make(map[string]int64)}
}

func (s *fifoSet) len() int { return len(s.stamp) }

func (s *fifoSet) get(key string) (int64, bool) {
	st, ok := s.stamp[key]
	return st, ok
}

// put adds key with stamp, or renews its stamp, evicting the oldest entry
// when the set is full. Every key in the map has its latest ring entry, so
// the map never holds more keys than the ring holds entries.
func (s *fifoSet) put(key string, stamp int64) {
	if s.size == len(s.ring) {
		if len(s.ring) < s.limit {
			s.grow()
		} else {
			s.pop()
		}
	}
	s.ring[(s.head+s.size)%len(s.ring)] = fifoEntry{key: key, stamp: stamp}
	s.size++
	s.stamp[key] = stamp
}

// expire drops the oldest entries while their stamp is at most now. It
// assumes stamps grow with insertion order, as expiry times with one TTL do.
func (s *fifoSet) expire(now int64) {
	for s.size > 0 && s.ring[s.head].stamp <= now {
		s.pop()
	}
}

// pop drops the oldest ring entry, and its key unless it was put again
// since.
func (s *fifoSet) pop() {
	e := &s.ring[s.head]
	if st, ok := s.stamp[e.key]; ok && st == e.stamp {
		delete(s.stamp, e.key)
	}
	*e = fifoEntry{}
	s.head = (s.head + 1) % len(s.ring)
	s.size--
}

// grow doubles the ring (from 64, up to limit), keeping the order.
func (s *fifoSet) grow() {
	n := min(max(2*len(s.ring), 64), s.limit)
	ring := make([]fifoEntry, n)
	for i := range s.size {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
}
