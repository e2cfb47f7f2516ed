package handofftest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

// recorder is a suiteT that records failures instead of failing the test,
// so that the suite can be run against broken stores. Its subtests run one
// after the other.
type recorder struct {
	name     string
	newStore func() handoff.Store
	log      *failureLog
}

type failureLog struct {
	mu      sync.Mutex
	entries []string // "test/name: message"
	skipped []string
}

func newRecorder(newStore func() handoff.Store) *recorder {
	return &recorder{name: "suite", newStore: newStore, log: &failureLog{}}
}

func (r *recorder) Helper()      {}
func (r *recorder) Parallel()    {}
func (r *recorder) Name() string { return r.name }

func (r *recorder) Errorf(format string, args ...any) {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	r.log.entries = append(r.log.entries, r.name+": "+fmt.Sprintf(format, args...))
}

// Fatalf and Skipf end the subtest's goroutine, as testing.T's do.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.log.mu.Lock()
	r.log.skipped = append(r.log.skipped, r.name)
	r.log.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Run(name string, f func(st suiteT)) {
	sub := &recorder{name: r.name + "/" + name, newStore: r.newStore, log: r.log}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(sub)
	}()
	<-done
}

func (r *recorder) NewStore() handoff.Store { return r.newStore() }

// failedCases returns the names of the cases that reported a failure.
func (r *recorder) failedCases() []string {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	var names []string
	for _, e := range r.log.entries {
		name, _, _ := strings.Cut(strings.TrimPrefix(e, "suite/"), ":")
		if len(names) == 0 || names[len(names)-1] != name {
			names = append(names, name)
		}
	}
	return names
}

// refStore is a plain, correct Store and Hinter: a map under a mutex.
type refStore struct {
	mu      sync.Mutex
	records map[string]handoff.Record
	hints   map[string]handoff.Record
}

func newRefStore() *refStore {
	return &refStore{records: map[string]handoff.Record{}, hints: map[string]handoff.Record{}}
}

func (s *refStore) Get(ctx context.Context, conv string) (handoff.Record, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hints[conv] = s.records[conv]
	return s.records[conv], nil
}

func (s *refStore) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Record{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.records[conv]
	if cur.Version != expected {
		s.hints[conv] = cur
		return cur, false, nil
	}
	s.records[conv], s.hints[conv] = next, next
	return next, true, nil
}

func (s *refStore) Delete(ctx context.Context, conv string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, conv)
	return nil
}

func (s *refStore) Hint(conv string) (handoff.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.hints[conv]
	return r, ok
}

// The reference store passes both through the recorder and through
// RunStoreTests, so a failure the recorder reports for a broken store is
// the broken store's.
func TestRefStorePasses(t *testing.T) {
	t.Parallel()
	rec := newRecorder(func() handoff.Store { return newRefStore() })
	run(rec, storeCases)
	assert.Empty(t, rec.log.entries)
	assert.Empty(t, rec.log.skipped)
	RunStoreTests(t, func(*testing.T) handoff.Store { return newRefStore() })
}

// Each broken store breaks one promise of the Store contract; the suite
// must fail it in the case that checks that promise.
func TestSuiteCatchesBrokenStores(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		store func() handoff.Store
		cases []string // the cases that must fail; others may too
	}{
		{"CAS ignores the version", func() handoff.Store { return ignoresVersion{newRefStore()} },
			[]string{"CreateExisting", "WrongVersion", "Update", "UnknownWithVersion", "ConcurrentCreate"}},
		{"CAS compares versions as float64", func() handoff.Store { return floatVersions{newRefStore()} },
			[]string{"WrongVersion"}},
		{"refused CAS returns the zero Record", func() handoff.Store { return noCurrent{newRefStore()} },
			[]string{"CreateExisting", "WrongVersion", "ConcurrentCreate"}},
		{"times kept to the microsecond", func() handoff.Store { return microseconds{newRefStore()} },
			[]string{"Create"}},
		{"zero times keep the old ones", func() handoff.Store { return mergesTimes{newRefStore()} },
			[]string{"Update"}},
		{"fingerprints kept as float64", func() handoff.Store { return floatRecent{newRefStore()} },
			[]string{"Create"}},
		{"ids cut at 512 bytes", func() handoff.Store { return mapsIDs{newRefStore(), first512} },
			[]string{"IndependentConversations"}},
		{"ids cut at NUL", func() handoff.Store { return mapsIDs{newRefStore(), beforeNUL} },
			[]string{"IndependentConversations"}},
		{"ids folded to lower case", func() handoff.Store { return mapsIDs{newRefStore(), strings.ToLower} },
			[]string{"IndependentConversations"}},
		{"Delete of nothing fails", func() handoff.Store { return strictDelete{newRefStore()} },
			[]string{"Delete"}},
		{"context ignored", func() handoff.Store { return ignoresContext{newRefStore()} },
			[]string{"CancelledContext"}},
		{"hint set before the version check", func() handoff.Store { return eagerHint{newRefStore()} },
			[]string{"Hint"}},
		{"check and write not atomic", func() handoff.Store { return newRacyCreate() },
			[]string{"ConcurrentCreate", "ConcurrentUpdates"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cases := storeCases
			if _, racy := tt.store().(*racyCreate); racy {
				// Its first create waits for a second one: only
				// the concurrent cases make one.
				cases = pick(t, "ConcurrentCreate", "ConcurrentUpdates")
			}
			rec := newRecorder(tt.store)
			run(rec, cases)
			failed := rec.failedCases()
			for _, c := range tt.cases {
				assert.Contains(t, failed, c, "the suite did not fail %s; it reported:\n%s", c, strings.Join(rec.log.entries, "\n"))
			}
		})
	}
}

// The messages name the operation and the conversation.
func TestSuiteMessages(t *testing.T) {
	t.Parallel()
	rec := newRecorder(func() handoff.Store { return microseconds{newRefStore()} })
	run(rec, pick(t, "Create"))
	require.NotEmpty(t, rec.log.entries)
	assert.Regexp(t, `^suite/Create: CompareAndSwap\("suite/Create/[A-Z2-7]{26}", 0\): current: `+
		`Since 2023-11-14T22:13:20\.123456Z, want 2023-11-14T22:13:20\.12345679Z; Until `, rec.log.entries[0])
}

func pick(t *testing.T, names ...string) []storeCase {
	var cases []storeCase
	for _, c := range storeCases {
		for _, n := range names {
			if c.name == n {
				cases = append(cases, c)
			}
		}
	}
	require.Len(t, cases, len(names))
	return cases
}

type ignoresVersion struct{ *refStore }

func (s ignoresVersion) CompareAndSwap(ctx context.Context, conv string, _ uint64, next handoff.Record) (handoff.Record, bool, error) {
	s.mu.Lock()
	cur := s.records[conv]
	s.mu.Unlock()
	return s.refStore.CompareAndSwap(ctx, conv, cur.Version, next)
}

// floatVersions compares versions as a Lua script comparing numbers would.
type floatVersions struct{ *refStore }

func (s floatVersions) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	s.mu.Lock()
	cur := s.records[conv]
	if float64(cur.Version) == float64(expected) {
		expected = cur.Version
	}
	s.mu.Unlock()
	// Another writer may come in between: the retry sorts it out.
	return s.refStore.CompareAndSwap(ctx, conv, expected, next)
}

type noCurrent struct{ *refStore }

func (s noCurrent) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	cur, ok, err := s.refStore.CompareAndSwap(ctx, conv, expected, next)
	if !ok {
		cur = handoff.Record{}
	}
	return cur, ok, err
}

type microseconds struct{ *refStore }

func (s microseconds) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	for _, t := range []*time.Time{&next.Since, &next.Until, &next.LastHuman} {
		*t = t.Truncate(time.Microsecond)
	}
	return s.refStore.CompareAndSwap(ctx, conv, expected, next)
}

type mergesTimes struct{ *refStore }

func (s mergesTimes) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	s.mu.Lock()
	old := s.records[conv]
	s.mu.Unlock()
	for _, f := range []struct{ next, old *time.Time }{{&next.Since, &old.Since}, {&next.Until, &old.Until}, {&next.LastHuman, &old.LastHuman}} {
		if f.next.IsZero() {
			*f.next = *f.old
		}
	}
	return s.refStore.CompareAndSwap(ctx, conv, expected, next)
}

type floatRecent struct{ *refStore }

func (s floatRecent) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	for i, f := range next.Recent {
		next.Recent[i] = uint64(float64(f))
	}
	return s.refStore.CompareAndSwap(ctx, conv, expected, next)
}

// mapsIDs keys records by key(id).
type mapsIDs struct {
	*refStore
	key func(string) string
}

func (s mapsIDs) Get(ctx context.Context, conv string) (handoff.Record, error) {
	return s.refStore.Get(ctx, s.key(conv))
}

func (s mapsIDs) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	return s.refStore.CompareAndSwap(ctx, s.key(conv), expected, next)
}

func (s mapsIDs) Delete(ctx context.Context, conv string) error {
	return s.refStore.Delete(ctx, s.key(conv))
}

func (s mapsIDs) Hint(conv string) (handoff.Record, bool) { return s.refStore.Hint(s.key(conv)) }

func first512(id string) string { return id[:min(len(id), 512)] }

func beforeNUL(id string) string {
	id, _, _ = strings.Cut(id, "\x00")
	return id
}

type strictDelete struct{ *refStore }

func (s strictDelete) Delete(ctx context.Context, conv string) error {
	s.mu.Lock()
	_, ok := s.records[conv]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no record of %q", conv)
	}
	return s.refStore.Delete(ctx, conv)
}

type ignoresContext struct{ *refStore }

func (s ignoresContext) Get(_ context.Context, conv string) (handoff.Record, error) {
	return s.refStore.Get(context.Background(), conv)
}

func (s ignoresContext) CompareAndSwap(_ context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	return s.refStore.CompareAndSwap(context.Background(), conv, expected, next)
}

func (s ignoresContext) Delete(_ context.Context, conv string) error {
	return s.refStore.Delete(context.Background(), conv)
}

// eagerHint hints the record it was asked to write, written or not.
type eagerHint struct{ *refStore }

func (s eagerHint) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	cur, ok, err := s.refStore.CompareAndSwap(ctx, conv, expected, next)
	s.mu.Lock()
	s.hints[conv] = next
	s.mu.Unlock()
	return cur, ok, err
}

// racyCreate checks and writes a create under two locks, and makes the
// first create wait until a second one has checked too: the interleaving
// that loses an update, every time.
type racyCreate struct {
	*refStore
	creates int
	second  chan struct{}
}

func newRacyCreate() *racyCreate {
	return &racyCreate{refStore: newRefStore(), second: make(chan struct{})}
}

func (s *racyCreate) CompareAndSwap(ctx context.Context, conv string, expected uint64, next handoff.Record) (handoff.Record, bool, error) {
	if expected != 0 {
		return s.refStore.CompareAndSwap(ctx, conv, expected, next)
	}
	s.mu.Lock()
	cur := s.records[conv]
	s.creates++
	n := s.creates
	s.mu.Unlock()
	if cur.Version != 0 {
		return cur, false, nil
	}
	switch n {
	case 1:
		<-s.second
	case 2:
		close(s.second)
	}
	s.mu.Lock()
	s.records[conv] = next
	s.mu.Unlock()
	return next, true, nil
}
