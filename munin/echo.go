package munin

import (
	"sync"

	"github.com/botbridge/botbridge/internal/fifo"
)

// DefaultEchoCapacity is how many message ids an EchoFilter made with
// capacity 0 remembers: the bot's last 4096 posts. Munin delivers an echo
// within seconds and retries it for about 7.5 minutes (§3.2), so the filter
// only has to outlast that; 4096 covers a bot posting up to about 9
// messages a second across all its conversations.
const DefaultEchoCapacity = 4096

// EchoFilter remembers the ids of the messages the bot posted, so that their
// echoes — Munin delivers every post, the bot's own included, as
// conversation.message.sent by "agent" (§3.3) — can be told from posts by
// Munin's built-in AI or another integration, which look the same (§7). See
// EchoFilter.HandoffEvent for when to use it.
//
// It is bounded (the oldest id is forgotten first), safe for concurrent use,
// and local to the process: a replica that did not post a message does not
// know its id. Client.Conversations.SendMessage feeds it when the client was
// built WithEchoFilter; call Remember yourself for posts made another way.
// A nil *EchoFilter remembers nothing.
type EchoFilter struct {
	mu  sync.RWMutex
	ids fifo.Set // stamps are insertion numbers
	seq int64
}

// NewEchoFilter returns a filter that remembers the last capacity message
// ids (DefaultEchoCapacity when capacity <= 0).
func NewEchoFilter(capacity int) *EchoFilter {
	if capacity <= 0 {
		capacity = DefaultEchoCapacity
	}
	return &EchoFilter{ids: fifo.New(capacity)}
}

// Remember records messageID (the id SendMessage returned, cvm_…) as one of
// the bot's own posts. Remembering an id again does not renew it; an empty
// id is ignored.
func (f *EchoFilter) Remember(messageID string) {
	if f == nil || messageID == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ids.Get(messageID); ok {
		return
	}
	f.seq++
	f.ids.Put(messageID, f.seq)
}

// Contains reports whether messageID is one of the bot's own posts that f
// still remembers. It does not allocate.
func (f *EchoFilter) Contains(messageID string) bool {
	if f == nil || messageID == "" {
		return false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	_, ok := f.ids.Get(messageID)
	return ok
}

// Len returns how many message ids f remembers.
func (f *EchoFilter) Len() int {
	if f == nil {
		return 0
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.ids.Len()
}
