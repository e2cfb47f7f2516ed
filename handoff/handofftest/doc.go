// Package handofftest helps test code built on package handoff: a
// conformance suite that every [handoff.Store] must pass, and a fake
// [Clock] to drive grace periods and timeouts without waiting.
//
// # Checking a Store
//
// A Store written for another backend (a SQL table, a key-value service)
// is correct when [RunStoreTests] passes against it:
//
//	func TestStore(t *testing.T) {
//		db := openTestDB(t) // shared by every case
//		handofftest.RunStoreTests(t, func(t *testing.T) handoff.Store {
//			return mystore.New(db)
//		})
//	}
//
// The suite checks the contract documented on [handoff.Store], case by
// case:
//
//   - Get of a conversation never written returns the zero Record and no
//     error.
//   - A record created with expected version 0 reads back whole: every
//     field, times to the nanosecond as instants (locations need not
//     survive), zero times as zero, 64-bit versions and fingerprints
//     exactly.
//   - A compare-and-swap expecting any version but the stored one (0 on an
//     existing record, one less, one more, a version replaced earlier, a
//     version on a conversation with no record) stores nothing and
//     returns the stored record, or the zero Record when there is none.
//   - One expecting the stored version replaces the whole record, fields
//     left zero included.
//   - Delete forgets the record, so its version no longer matches and a
//     create succeeds; deleting a conversation with no record is not an
//     error.
//   - Conversations are independent, including ids that differ only in
//     separators, Redis hash-tag braces, case, Unicode normalization, a
//     NUL byte, or the last byte of 1 KiB.
//   - Of 16 concurrent creates of one conversation exactly one succeeds,
//     and the others get its record.
//   - 16 writers making 50 read-then-swap updates each, retrying from the
//     record a refused swap returns, lose no update: each version is
//     written exactly once.
//   - With a cancelled context, Get, CompareAndSwap and Delete return an
//     error wrapping [context.Canceled] and change nothing.
//   - If the store is a [handoff.Hinter], a hint is a record that was
//     written to the conversation (perhaps an older one), never a refused
//     write or a version nobody wrote.
//
// The cases run in parallel, each with a store from newStore; they use
// their own random conversation ids, so the stores may share one backend
// and the suite can run twice against the same database.
//
// # The fake clock
//
// A [Clock] moves only when told. Give its Now method to
// handoff.WithClock (and to handoff.WithStoreClock for a MemoryStore's
// eviction), then move it with [Clock.Advance] or [Clock.Set]:
//
//	clock := handofftest.NewClock(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
//	ctl, err := handoff.New(nil, handoff.WithClock(clock.Now))
//	// ... a human replies ...
//	clock.Advance(handoff.DefaultGrace) // the bot may answer again
package handofftest
