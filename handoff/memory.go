package handoff

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultIdleTTL is how long a [MemoryStore] keeps a record after its last
// write and its deadline have both passed.
const DefaultIdleTTL = 24 * time.Hour

// memoryShards spreads conversations over this many locks.
const memoryShards = 256

// MemoryStore is the default [Store]: records in this process's memory,
// spread over 256 independently locked shards, safe for concurrent use.
// A record is evicted once it has been idle (unwritten) for the idle TTL
// and its deadline has passed — by the writes that follow, or by
// [MemoryStore.Evict] — so memory follows the number of live
// conversations, not of all conversations ever seen. Eviction is safe: an
// absent record means the bot owns the conversation, which is what an idle
// record past its deadline says too. It suits one process;
// bot replicas that must agree share a redisstore instead.
type MemoryStore struct {
	seed   maphash.Seed
	ttl    time.Duration
	now    func() time.Time
	shards [memoryShards]memoryShard
}

type memoryShard struct {
	mu        sync.RWMutex
	records   map[string]packedRecord
	nextSweep int64    // Unix ns of the next eviction scan
	_         [24]byte // one shard per 64-byte cache line
}

// packedRecord is a Record in 64 bytes: times as Unix nanoseconds with a
// flag for "set", and the eviction time in Unix seconds. A million of them
// fit the 250 MB budget with their keys and the map around them
// (BENCHMARKS.md).
type packedRecord struct {
	version                 uint64
	since, until, lastHuman int64
	recent                  [recentEvents]uint64
	evictAt                 uint32 // Unix seconds; 0: never
	state                   State
	reason                  Reason
	flags                   uint8
}

// MemoryOption configures a [MemoryStore].
type MemoryOption func(*MemoryStore)

// WithIdleTTL sets how long a record is kept after its last write and its
// deadline have both passed (default [DefaultIdleTTL]). Zero or negative
// keeps records until they are deleted.
func WithIdleTTL(d time.Duration) MemoryOption {
	return func(s *MemoryStore) { s.ttl = d }
}

// WithStoreClock sets the clock eviction reads (default time.Now).
func WithStoreClock(now func() time.Time) MemoryOption {
	return func(s *MemoryStore) {
		if now != nil {
			s.now = now
		}
	}
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	s := &MemoryStore{seed: maphash.MakeSeed(), ttl: DefaultIdleTTL, now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	for i := range s.shards {
		s.shards[i].records = make(map[string]packedRecord)
	}
	return s
}

func (s *MemoryStore) shard(conv string) *memoryShard {
	return &s.shards[maphash.String(s.seed, conv)%memoryShards]
}

// Get implements [Store]. It reads no clock: a record past its idle time
// is still a true record until a sweep removes it.
func (s *MemoryStore) Get(ctx context.Context, conversation string) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	sh := s.shard(conversation)
	sh.mu.RLock()
	p, ok := sh.records[conversation]
	sh.mu.RUnlock()
	if !ok {
		return Record{}, nil
	}
	return p.unpack(), nil
}

// CompareAndSwap implements [Store].
func (s *MemoryStore) CompareAndSwap(ctx context.Context, conversation string, expected uint64, next Record) (Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, false, err
	}
	if next.Version <= expected {
		return Record{}, false, fmt.Errorf("handoff: MemoryStore: next version %d is not greater than expected %d", next.Version, expected)
	}
	if err := next.checkTimes(); err != nil {
		return Record{}, false, err
	}
	now := s.now()
	sh := s.shard(conversation)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	p := sh.records[conversation]
	if p.version != expected {
		return p.unpack(), false, nil
	}
	packed := pack(&next)
	packed.evictAt = s.evictAt(&packed, now)
	sh.records[conversation] = packed
	if s.ttl > 0 && now.UnixNano() >= sh.nextSweep {
		s.sweep(sh, now)
	}
	return next, true, nil
}

// Delete implements [Store].
func (s *MemoryStore) Delete(ctx context.Context, conversation string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh := s.shard(conversation)
	sh.mu.Lock()
	delete(sh.records, conversation)
	sh.mu.Unlock()
	return nil
}

// Evict removes every record that has been idle for the TTL now, and
// returns how many it removed. Writes do this for their shard at most
// once per eighth of the TTL, so a store that is written to needs no call;
// a store that has gone quiet keeps its memory until it is called.
func (s *MemoryStore) Evict() int {
	if s.ttl <= 0 {
		return 0
	}
	now := s.now()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += s.sweep(sh, now)
		sh.mu.Unlock()
	}
	return n
}

// Len returns how many records the store holds, counting idle ones not
// yet evicted.
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.records)
		sh.mu.RUnlock()
	}
	return n
}

// evicted reports whether p's time is up at now. evictAt is rounded up and
// now down, so a record goes at most a second late, never early.
func (s *MemoryStore) evicted(p *packedRecord, now time.Time) bool {
	return p.evictAt != 0 && int64(p.evictAt) <= now.Unix()
}

// evictAt is when a record written at now may go: the idle TTL after the
// later of now and its deadline, in whole Unix seconds rounded up; 0
// (never) without a TTL, past 2106, or for a record that waits with no
// deadline.
func (s *MemoryStore) evictAt(p *packedRecord, now time.Time) uint32 {
	if s.ttl <= 0 {
		return 0
	}
	from := now
	switch {
	case p.flags&flagUntil != 0:
		if until := time.Unix(0, p.until); until.After(from) {
			from = until
		}
	case p.state != Bot:
		return 0 // Pending with no timeout: it waits for a human, however long
	}
	at := unixCeil(from.Add(s.ttl))
	if at <= 0 || at > 1<<32-1 {
		return 0
	}
	return uint32(at)
}

// unixCeil returns t in Unix seconds, rounded up.
func unixCeil(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// sweep removes the shard's idle records and returns how many; it runs
// with the shard locked, from writes at most once per eighth of the TTL, so
// its cost is spread over them.
func (s *MemoryStore) sweep(sh *memoryShard, now time.Time) int {
	n := 0
	for conv, p := range sh.records {
		if s.evicted(&p, now) {
			delete(sh.records, conv)
			n++
		}
	}
	sh.nextSweep = now.Add(s.ttl / 8).UnixNano()
	return n
}

func pack(r *Record) packedRecord {
	p := packedRecord{version: r.Version, recent: r.Recent, state: r.State, reason: r.Reason}
	if !r.Since.IsZero() {
		p.flags |= flagSince
		p.since = r.Since.UnixNano()
	}
	if !r.Until.IsZero() {
		p.flags |= flagUntil
		p.until = r.Until.UnixNano()
	}
	if !r.LastHuman.IsZero() {
		p.flags |= flagLastHuman
		p.lastHuman = r.LastHuman.UnixNano()
	}
	return p
}

func (p *packedRecord) unpack() Record {
	r := Record{Version: p.version, State: p.state, Reason: p.reason, Recent: p.recent}
	if p.flags&flagSince != 0 {
		r.Since = time.Unix(0, p.since).UTC()
	}
	if p.flags&flagUntil != 0 {
		r.Until = time.Unix(0, p.until).UTC()
	}
	if p.flags&flagLastHuman != 0 {
		r.LastHuman = time.Unix(0, p.lastHuman).UTC()
	}
	return r
}
