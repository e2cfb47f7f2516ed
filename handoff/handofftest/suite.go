package handofftest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/botbridge/botbridge/handoff"
)

// RunStoreTests checks that the stores newStore returns keep the
// [handoff.Store] contract: whole records read back as written,
// compare-and-swap on the version, Delete, conversations independent of
// each other, no lost update among concurrent writers, an error wrapping
// [context.Canceled] and no change for a cancelled context, and, for a
// [handoff.Hinter], hints that are records once written. The package
// documentation lists the cases. Every Store must pass it.
//
// The cases run as parallel subtests of a subtest named "conformance",
// each calling newStore with its own t (so t.Cleanup releases what one
// case used). The stores may share a backend: every case writes only
// conversations whose ids hold a random part, so cases never meet, and the
// suite can run again against a backend holding an earlier run's records.
// newStore must not clear a backend other cases share. RunStoreTests
// returns once every case is done, so a backend closed after it returns
// outlives them.
func RunStoreTests(t *testing.T, newStore func(t *testing.T) handoff.Store) {
	t.Helper()
	t.Run("conformance", func(t *testing.T) {
		run(testingT{T: t, newStore: newStore}, storeCases)
	})
}

// suiteT is what the cases need from a *testing.T, plus a fresh store. It
// lets the suite's own tests run the cases against broken stores and see
// them fail.
type suiteT interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Parallel()
	// Run runs f as a subtest named name and waits for it, as
	// testing.T.Run does.
	Run(name string, f func(st suiteT))
	// NewStore returns a store for this test.
	NewStore() handoff.Store
}

// testingT is the suiteT of RunStoreTests.
type testingT struct {
	*testing.T
	newStore func(t *testing.T) handoff.Store
}

func (t testingT) Run(name string, f func(st suiteT)) {
	t.T.Run(name, func(sub *testing.T) { f(testingT{T: sub, newStore: t.newStore}) })
}

func (t testingT) NewStore() handoff.Store { return t.newStore(t.T) }

// storeCase is one property of a Store.
type storeCase struct {
	name string
	test func(c checker)
}

var storeCases = []storeCase{
	{"GetUnknown", testGetUnknown},
	{"Create", testCreate},
	{"CreateExisting", testCreateExisting},
	{"WrongVersion", testWrongVersion},
	{"Update", testUpdate},
	{"UnknownWithVersion", testUnknownWithVersion},
	{"Delete", testDelete},
	{"IndependentConversations", testIndependentConversations},
	{"ConcurrentCreate", testConcurrentCreate},
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"CancelledContext", testCancelledContext},
	{"Hint", testHint},
}

// run runs cases as parallel subtests of st, each with a fresh store.
func run(st suiteT, cases []storeCase) {
	for _, sc := range cases {
		st.Run(sc.name, func(st suiteT) {
			st.Parallel()
			s := st.NewStore()
			if s == nil {
				st.Fatalf("newStore returned a nil Store")
			}
			sc.test(checker{suiteT: st, s: s})
		})
	}
}

// testGetUnknown: a conversation never written has the zero Record.
func testGetUnknown(c checker) {
	id := c.newID()
	c.wantStored(id, handoff.Record{})
}

// testCreate: a record written with expected 0 is read back whole: every
// field, times to the nanosecond, and zero times as zero.
func testCreate(c checker) {
	full, bare := c.newID(), c.newID()
	c.mustSwap(full, 0, humanRecord(firstVersion, 1))
	c.wantStored(full, humanRecord(firstVersion, 1))
	c.mustSwap(bare, 0, botRecord(firstVersion))
	c.wantStored(bare, botRecord(firstVersion))
}

// testCreateExisting: creating a conversation that has a record fails and
// returns that record.
func testCreateExisting(c checker) {
	id := c.newID()
	stored := humanRecord(firstVersion, 1)
	c.mustSwap(id, 0, stored)
	c.mustNotSwap(id, 0, humanRecord(firstVersion+1, 2), stored)
}

// testWrongVersion: a write expecting another version than the stored one
// fails and returns the stored record. The versions differ by one from a
// Unix-nanosecond version, so a store that compares them as float64 (a Lua
// number) fails here.
func testWrongVersion(c checker) {
	id := c.newID()
	stored := humanRecord(firstVersion, 1)
	c.mustSwap(id, 0, stored)
	c.mustNotSwap(id, firstVersion-1, humanRecord(firstVersion+1, 2), stored)
	c.mustNotSwap(id, firstVersion+1, humanRecord(firstVersion+2, 2), stored)
}

// testUpdate: a write expecting the stored version replaces the whole
// record, clearing the fields the new record leaves zero; the version it
// replaced is then stale.
func testUpdate(c checker) {
	id := c.newID()
	first := humanRecord(firstVersion, 1)
	second := botRecord(firstVersion + 1)
	third := humanRecord(firstVersion+2, 3)
	c.mustSwap(id, 0, first)
	c.mustSwap(id, first.Version, second)
	c.wantStored(id, second)
	c.mustNotSwap(id, first.Version, third, second)
	c.mustSwap(id, second.Version, third)
	c.wantStored(id, third)
}

// testUnknownWithVersion: a write expecting a version on a conversation
// with no record fails and returns the zero Record.
func testUnknownWithVersion(c checker) {
	id := c.newID()
	c.mustNotSwap(id, firstVersion, humanRecord(firstVersion+1, 1), handoff.Record{})
}

// testDelete: Delete forgets the record, so the old version is stale and a
// create succeeds; deleting what is not there is not an error.
func testDelete(c checker) {
	id := c.newID()
	stored := humanRecord(firstVersion, 1)
	c.mustSwap(id, 0, stored)
	c.mustDelete(id)
	c.wantStored(id, handoff.Record{})
	c.mustDelete(id)
	c.mustDelete(c.newID())
	c.mustNotSwap(id, stored.Version, humanRecord(stored.Version+1, 2), handoff.Record{})
	again := humanRecord(firstVersion+1000, 3)
	c.mustSwap(id, 0, again)
	c.wantStored(id, again)
}

// specialIDs returns conversation ids, all starting with base, that a
// store deriving keys from ids might confuse: they differ only in
// separators, Redis Cluster hash-tag braces, case, Unicode normalization,
// what follows a NUL (where a C string ends), or the last byte of 1 KiB
// (where a truncated key ends).
func specialIDs(base string) []string {
	long := base + strings.Repeat("x", max(0, 1024-len(base)-1))
	return []string{
		base, base + "a", base + "A", base + "a:b", base + "a:", base + ":a",
		base + "a}b", base + "{a}", base + "{a", base + "a b", base + "a/b",
		base + "ünï", base + "u\u0308nï", base + "a\x00b", base + "a\x00",
		long + "1", long + "2",
	}
}

// testIndependentConversations: every conversation has its own record,
// whatever characters its id holds, and writing or deleting one leaves the
// others as they were.
func testIndependentConversations(c checker) {
	ids := specialIDs(c.newID() + "/")
	want := make(map[string]handoff.Record, len(ids))
	for i, id := range ids {
		want[id] = humanRecord(firstVersion+uint64(i)*1000, uint64(i))
		c.mustSwap(id, 0, want[id])
	}
	for _, id := range ids {
		c.wantStored(id, want[id])
	}
	updated, deleted := ids[3], ids[7]
	next := botRecord(want[updated].Version + 1)
	c.mustSwap(updated, want[updated].Version, next)
	want[updated] = next
	c.mustDelete(deleted)
	want[deleted] = handoff.Record{}
	for _, id := range ids {
		c.wantStored(id, want[id])
	}
}

// testConcurrentCreate: of many writers creating one conversation at
// once, exactly one succeeds and the others get its record.
func testConcurrentCreate(c checker) {
	const writers = 16
	id := c.newID()
	type result struct {
		current handoff.Record
		swapped bool
		err     error
	}
	results := make([]result, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			cur, ok, err := c.s.CompareAndSwap(context.Background(), id, 0, humanRecord(firstVersion+uint64(i), uint64(i)))
			results[i] = result{cur, ok, err}
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, r := range results {
		switch {
		case r.err != nil:
			c.Fatalf("CompareAndSwap(%s, 0) of writer %d: %v", show(id), i, r.err)
		case r.swapped && winner >= 0:
			c.Fatalf("CompareAndSwap(%s, 0): writers %d and %d both created the record", show(id), winner, i)
		case r.swapped:
			winner = i
		}
	}
	if winner < 0 {
		c.Fatalf("CompareAndSwap(%s, 0): none of %d writers created the record", show(id), writers)
	}
	want := humanRecord(firstVersion+uint64(winner), uint64(winner))
	var errs failures
	for i, r := range results {
		if d := diffRecord(want, r.current); d != "" {
			errs.add("CompareAndSwap(%s, 0) of writer %d: current: %s", show(id), i, d)
		}
	}
	errs.report(c)
	c.wantStored(id, want)
}

// testConcurrentUpdates: writers that read, then write with the version
// they read, and retry from the record a failed write returns, lose no
// update: every version is written exactly once and the count kept in the
// record is the number of writes.
func testConcurrentUpdates(c checker) {
	const writers, writesEach = 16, 50
	const total = writers * writesEach
	id := c.newID()
	var (
		mu   sync.Mutex
		wins = make(map[uint64]int, total)
		errs failures
		wg   sync.WaitGroup
	)
	start := make(chan struct{})
	for range writers {
		wg.Go(func() {
			<-start
			ctx := context.Background()
			cur, err := c.s.Get(ctx, id)
			if err != nil {
				errs.add("Get(%s): %v", show(id), err)
				return
			}
			for range writesEach {
				// Each failed write means another writer's
				// succeeded, so more than total attempts for one
				// write means the store refuses a right version.
				for attempt := 0; ; attempt++ {
					if attempt > total {
						errs.add("CompareAndSwap(%s, %d): still refused after %d attempts", show(id), cur.Version, attempt)
						return
					}
					if d := diffRecord(counted(cur), cur); d != "" {
						errs.add("CompareAndSwap(%s): torn record at version %d: %s", show(id), cur.Version, d)
						return
					}
					next := counted(handoff.Record{Version: max(firstVersion, cur.Version+1)})
					// Yield between the read and the write, so
					// that writers overlap even on one CPU.
					runtime.Gosched()
					got, swapped, err := c.s.CompareAndSwap(ctx, id, cur.Version, next)
					if err != nil {
						errs.add("CompareAndSwap(%s, %d): %v", show(id), cur.Version, err)
						return
					}
					if !swapped && got.Version == cur.Version {
						errs.add("CompareAndSwap(%s, %d): refused, but the current record has that version", show(id), cur.Version)
						return
					}
					if swapped {
						if d := diffRecord(next, got); d != "" {
							errs.add("CompareAndSwap(%s, %d): swapped, but current is not next: %s", show(id), cur.Version, d)
						}
						mu.Lock()
						wins[next.Version]++
						mu.Unlock()
						cur = next
						break
					}
					cur = got
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if errs.report(c) {
		return
	}

	var lost failures
	for i := range uint64(total) {
		if n := wins[firstVersion+i]; n != 1 {
			lost.add("CompareAndSwap(%s, _): version %d was written %d times, want once", show(id), firstVersion+i, n)
		}
	}
	if len(wins) != total {
		lost.add("CompareAndSwap(%s, _): %d versions written, want %d", show(id), len(wins), total)
	}
	lost.report(c)
	c.wantStored(id, counted(handoff.Record{Version: firstVersion + total - 1}))
}

// testCancelledContext: with a cancelled context, every method returns an
// error wrapping context.Canceled and changes nothing.
func testCancelledContext(c checker) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fresh, stored := c.newID(), c.newID()
	rec := humanRecord(firstVersion, 1)
	c.mustSwap(stored, 0, rec)

	wantCanceled := func(err error, format string, args ...any) {
		c.Helper()
		if !errors.Is(err, context.Canceled) {
			args = append(args, err)
			c.Errorf(format+" with a cancelled context: error %v, want one wrapping context.Canceled", args...)
		}
	}
	_, err := c.s.Get(ctx, stored)
	wantCanceled(err, "Get(%s)", show(stored))
	_, _, err = c.s.CompareAndSwap(ctx, fresh, 0, rec)
	wantCanceled(err, "CompareAndSwap(%s, 0)", show(fresh))
	_, _, err = c.s.CompareAndSwap(ctx, stored, rec.Version, botRecord(rec.Version+1))
	wantCanceled(err, "CompareAndSwap(%s, %d)", show(stored), rec.Version)
	wantCanceled(c.s.Delete(ctx, stored), "Delete(%s)", show(stored))

	c.wantStored(fresh, handoff.Record{})
	c.wantStored(stored, rec)
}

// testHint: what a Hinter hints is a record that was written to the
// conversation, never a write that was refused or a version nobody wrote,
// so that a compare-and-swap expecting its version is right to succeed.
// Each hint is checked straight after the call that may have set it.
func testHint(c checker) {
	h, ok := c.s.(handoff.Hinter)
	if !ok {
		c.Skipf("%T does not implement handoff.Hinter", c.s)
	}
	ctx := context.Background()
	id := c.newID()
	written := make(map[uint64]handoff.Record)
	check := func(after string) {
		c.Helper()
		got, ok := h.Hint(id)
		if !ok || got.Version == 0 {
			return
		}
		want, known := written[got.Version]
		if !known {
			c.Errorf("Hint(%s) after %s: version %d, which was never written", show(id), after, got.Version)
			return
		}
		c.sameRecord(want, got, "Hint(%s) after %s", show(id), after)
	}
	cas := func(expected uint64, next handoff.Record, wantSwapped bool) {
		c.Helper()
		_, swapped, err := c.s.CompareAndSwap(ctx, id, expected, next)
		if err != nil {
			c.Fatalf("CompareAndSwap(%s, %d): %v", show(id), expected, err)
		}
		if swapped != wantSwapped {
			c.Fatalf("CompareAndSwap(%s, %d): swapped %t, want %t", show(id), expected, swapped, wantSwapped)
		}
		if swapped {
			written[next.Version] = next
		}
		check(fmt.Sprintf("CompareAndSwap(_, %d) (swapped %t)", expected, swapped))
	}
	get := func() {
		c.Helper()
		if _, err := c.s.Get(ctx, id); err != nil {
			c.Fatalf("Get(%s): %v", show(id), err)
		}
		check("Get")
	}

	check("no call")
	get()
	first := humanRecord(firstVersion, 1)
	cas(0, first, true)
	cas(first.Version+1, humanRecord(first.Version+2, 2), false)
	second := botRecord(first.Version + 1)
	cas(first.Version, second, true)
	cas(0, humanRecord(first.Version+3, 3), false)
	get()
	c.mustDelete(id)
	check("Delete")
	cas(second.Version, humanRecord(second.Version+1, 4), false)
	get()
	cas(0, humanRecord(firstVersion+1000, 5), true)
	get()
}
