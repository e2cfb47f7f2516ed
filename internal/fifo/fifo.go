// Package fifo provides Set, the bounded first-in-first-out set of strings
// behind webhookverify.MemoryDeduper and munin.EchoFilter. It is internal:
// its users lock around it and choose what a stamp means.
package fifo

// Set is a bounded set of strings, each with a stamp, that forgets the
// oldest entry when a new one would exceed its limit. The ring holds keys in
// insertion order; a key put again gets a second ring entry, and a ring
// entry whose stamp no longer matches the map is stale and ignored when it
// leaves the ring. It is not safe for concurrent use: its owners lock. The
// zero Set is not usable; make one with New.
type Set struct {
	limit int
	stamp map[string]int64
	ring  []entry // grows up to limit, then wraps
	head  int     // the oldest entry
	size  int
}

type entry struct {
	key   string
	stamp int64
}

// New returns an empty Set that holds at most limit keys (at least 1).
func New(limit int) Set {
	return Set{limit: max(limit, 1), stamp: make(map[string]int64)}
}

// Limit returns how many keys s holds at most.
func (s *Set) Limit() int { return s.limit }

// Len returns how many keys s holds.
func (s *Set) Len() int { return len(s.stamp) }

// Get returns key's stamp and whether s holds key.
func (s *Set) Get(key string) (int64, bool) {
	st, ok := s.stamp[key]
	return st, ok
}

// Put adds key with stamp, or renews its stamp, evicting the oldest entry
// when the set is full. Every key in the map has its latest ring entry, so
// the map never holds more keys than the ring holds entries.
func (s *Set) Put(key string, stamp int64) {
	if s.size == len(s.ring) {
		if len(s.ring) < s.limit {
			s.grow()
		} else {
			s.pop()
		}
	}
	s.ring[(s.head+s.size)%len(s.ring)] = entry{key: key, stamp: stamp}
	s.size++
	s.stamp[key] = stamp
}

// Expire drops the oldest entries while their stamp is at most now. It
// assumes stamps grow with insertion order, as expiry times with one TTL do.
func (s *Set) Expire(now int64) {
	for s.size > 0 && s.ring[s.head].stamp <= now {
		s.pop()
	}
}

// pop drops the oldest ring entry, and its key unless it was put again
// since.
func (s *Set) pop() {
	e := &s.ring[s.head]
	if st, ok := s.stamp[e.key]; ok && st == e.stamp {
		delete(s.stamp, e.key)
	}
	*e = entry{}
	s.head = (s.head + 1) % len(s.ring)
	s.size--
}

// grow doubles the ring (from 64, up to limit), keeping the order.
func (s *Set) grow() {
	n := min(max(2*len(s.ring), 64), s.limit)
	ring := make([]entry, n)
	for i := range s.size {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
}
