package redisstore

import (
	"sync"

	"github.com/botbridge/botbridge/handoff"
)

// hintCache holds the record each conversation had when this Store last
// read or wrote it, for up to size conversations. Its entries may be out of
// date (another replica may have written since); the Controller's
// compare-and-swap catches that, so the cache needs no invalidation, only a
// bound.
type hintCache struct {
	mu      sync.Mutex
	size    int
	records map[string]handoff.Record
}

func newHintCache(size int) *hintCache {
	if size == 0 {
		return nil
	}
	return &hintCache{size: size, records: make(map[string]handoff.Record, min(size, 1024))}
}

// get returns the hint for conversation. A nil cache has none.
func (h *hintCache) get(conversation string) (handoff.Record, bool) {
	if h == nil {
		return handoff.Record{}, false
	}
	h.mu.Lock()
	r, ok := h.records[conversation]
	h.mu.Unlock()
	return r, ok
}

// put makes r the hint for conversation, dropping an arbitrary other
// conversation's when the cache is full. The last writer wins: a hint
// older than the one it replaces costs the Controller one extra round trip,
// never a wrong answer.
func (h *hintCache) put(conversation string, r handoff.Record) {
	if h == nil {
		return
	}
	h.mu.Lock()
	if _, ok := h.records[conversation]; !ok && len(h.records) >= h.size {
		for victim := range h.records { // map order is unspecified: any entry will do
			delete(h.records, victim)
			break
		}
	}
	h.records[conversation] = r
	h.mu.Unlock()
}

// remove forgets the hint for conversation.
func (h *hintCache) remove(conversation string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	delete(h.records, conversation)
	h.mu.Unlock()
}
