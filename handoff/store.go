package handoff

import "context"

// Store keeps one [Record] per conversation and changes it only by
// compare-and-swap on [Record.Version], so several Controllers (several
// bot replicas) can share it without losing an update. Implementations must
// be safe for concurrent use. [MemoryStore] is the default;
// botbridge/handoff/redisstore shares records through Redis. Every Store
// must pass handofftest.RunStoreTests.
//
// Errors: a Store returns an error only when it could not do what was
// asked (a network failure, a cancelled context, undecodable bytes). A
// version mismatch is not an error.
type Store interface {
	// Get returns the record of conversation, or the zero Record
	// (Version 0) when there is none.
	Get(ctx context.Context, conversation string) (Record, error)

	// CompareAndSwap stores next as the record of conversation if the
	// stored version is expected, 0 meaning "no record". It then
	// returns (next, true, nil). Otherwise it stores nothing and returns
	// the record it holds (the zero Record when there is none) and false,
	// so the caller can retry without another Get. next.Version is
	// always greater than expected.
	//
	// A store may forget a record once its Until and the store's idle
	// time have both passed: an absent record is a conversation the bot
	// owns, which is what such a record says.
	CompareAndSwap(ctx context.Context, conversation string, expected uint64, next Record) (current Record, swapped bool, err error)

	// Delete forgets the record of conversation. Deleting a record that
	// does not exist is not an error.
	Delete(ctx context.Context, conversation string) error
}

// Hinter is implemented by a Store whose reads cost a round trip (such as
// redisstore). Hint returns the record the store last read or wrote for
// conversation, which may be out of date, and false when it has none.
// [Controller.Observe] starts from the hint instead of a Get; the version
// check of CompareAndSwap catches a stale hint, which then costs one more
// round trip, never a wrong answer. Decide and Commit always Get.
type Hinter interface {
	Hint(conversation string) (Record, bool)
}
