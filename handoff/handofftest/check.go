package handofftest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// firstVersion is the version of the records the suite creates: like a
// Controller's first write, Unix nanoseconds (2023-11-14T22:13:20Z), well
// past the 2^53 a float64 holds exactly.
const firstVersion uint64 = 1_700_000_000_000_000_000

// Zones of the times the suite writes. Stores keep instants, not
// locations, so these only check that the instant survives.
var (
	kolkata  = time.FixedZone("UTC+05:30", 5*3600+30*60)
	saoPaulo = time.FixedZone("UTC-03:00", -3*3600)
	chatham  = time.FixedZone("UTC+13:45", 13*3600+45*60)
)

// humanRecord returns a record at version with every field set, to the
// nanosecond, and its times in three zones; records with different n
// differ in every field but Version, State and Reason.
func humanRecord(version, n uint64) handoff.Record {
	since := time.Unix(0, int64(firstVersion)+123_456_789+int64(n)).In(kolkata)
	r := handoff.Record{
		Version:   version,
		State:     handoff.Human,
		Reason:    handoff.TakenOver,
		Since:     since,
		Until:     since.Add(4*time.Hour + 1).In(saoPaulo),
		LastHuman: since.Add(7*time.Minute + 1).In(chatham),
	}
	// Fingerprints are whole uint64s: MaxUint64 and 2^53+1 do not
	// survive a trip through a float64. Every slot is filled, however
	// many a Record has.
	copy(r.Recent[:], []uint64{^n, 1<<53 + 1 + n, 0xcbf29ce484222325 + n, 1 + n, 2 + n, 3 + n, 4 + n, 5 + n})
	return r
}

// botRecord returns a record at version with zero times and one
// fingerprint: what a hand-back leaves.
func botRecord(version uint64) handoff.Record {
	r := handoff.Record{Version: version, State: handoff.Bot, Reason: handoff.HandedBack}
	r.Recent[0] = version
	return r
}

// counted returns the record ConcurrentUpdates writes at r's version: it
// counts the writes in Recent[0] and Since, which a torn or lost write
// makes disagree with the version. The zero Record stays zero.
func counted(r handoff.Record) handoff.Record {
	if r.Version == 0 {
		return handoff.Record{}
	}
	n := r.Version - firstVersion + 1
	since := time.Unix(0, int64(firstVersion)+int64(n)).In(kolkata)
	c := handoff.Record{
		Version:   r.Version,
		State:     handoff.Human,
		Reason:    handoff.HumanActive,
		Since:     since,
		Until:     since.Add(30 * time.Minute),
		LastHuman: since,
	}
	copy(c.Recent[:], []uint64{n, ^n})
	return c
}

// diffRecord describes how got differs from want, field by field, or
// returns "" when they hold the same record. Times compare as instants.
func diffRecord(want, got handoff.Record) string {
	switch zero := (handoff.Record{}); {
	case got == want:
		return ""
	case got == zero:
		return fmt.Sprintf("the zero Record, want version %d", want.Version)
	case want == zero && got.Version != 0:
		return fmt.Sprintf("version %d (%v, %v), want the zero Record", got.Version, got.State, got.Reason)
	}
	var d []string
	if got.Version != want.Version {
		d = append(d, fmt.Sprintf("Version %d, want %d", got.Version, want.Version))
	}
	if got.State != want.State {
		d = append(d, fmt.Sprintf("State %v, want %v", got.State, want.State))
	}
	if got.Reason != want.Reason {
		d = append(d, fmt.Sprintf("Reason %v, want %v", got.Reason, want.Reason))
	}
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"Since", got.Since, want.Since},
		{"Until", got.Until, want.Until},
		{"LastHuman", got.LastHuman, want.LastHuman},
	} {
		if !f.got.Equal(f.want) {
			d = append(d, fmt.Sprintf("%s %s, want %s", f.name, showTime(f.got), showTime(f.want)))
		}
	}
	if got.Recent != want.Recent {
		d = append(d, fmt.Sprintf("Recent %#x, want %#x", got.Recent, want.Recent))
	}
	return strings.Join(d, "; ")
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// show quotes a conversation id for a message, shortening a long one.
func show(id string) string {
	if len(id) > 100 {
		return fmt.Sprintf("%q...(%d bytes)", id[:80], len(id))
	}
	return fmt.Sprintf("%q", id)
}

// checker runs one case: store calls that report what went wrong, naming
// the operation and the conversation.
type checker struct {
	suiteT
	s handoff.Store
}

// newID returns a conversation id no other case or run uses.
func (c checker) newID() string {
	return c.Name() + "/" + rand.Text()
}

// sameRecord reports how got differs from want, prefixed by the operation
// format and args describe, and returns whether they hold the same record.
func (c checker) sameRecord(want, got handoff.Record, format string, args ...any) bool {
	c.Helper()
	if d := diffRecord(want, got); d != "" {
		c.Errorf("%s: %s", fmt.Sprintf(format, args...), d)
		return false
	}
	return true
}

// wantStored checks that Get returns want.
func (c checker) wantStored(id string, want handoff.Record) {
	c.Helper()
	got, err := c.s.Get(context.Background(), id)
	if err != nil {
		c.Fatalf("Get(%s): %v", show(id), err)
	}
	c.sameRecord(want, got, "Get(%s)", show(id))
}

// mustSwap checks that writing next over expected succeeds and returns
// next.
func (c checker) mustSwap(id string, expected uint64, next handoff.Record) {
	c.Helper()
	cur, swapped, err := c.s.CompareAndSwap(context.Background(), id, expected, next)
	if err != nil {
		c.Fatalf("CompareAndSwap(%s, %d): %v", show(id), expected, err)
	}
	if !swapped {
		c.Fatalf("CompareAndSwap(%s, %d): not swapped, want swapped; current has version %d", show(id), expected, cur.Version)
	}
	c.sameRecord(next, cur, "CompareAndSwap(%s, %d): current", show(id), expected)
}

// mustNotSwap checks that writing next over expected fails, returns want
// as the current record, and leaves want stored.
func (c checker) mustNotSwap(id string, expected uint64, next, want handoff.Record) {
	c.Helper()
	cur, swapped, err := c.s.CompareAndSwap(context.Background(), id, expected, next)
	if err != nil {
		c.Fatalf("CompareAndSwap(%s, %d): %v", show(id), expected, err)
	}
	if swapped {
		c.Errorf("CompareAndSwap(%s, %d): swapped over version %d, want not swapped", show(id), expected, want.Version)
	} else {
		c.sameRecord(want, cur, "CompareAndSwap(%s, %d): current", show(id), expected)
	}
	c.wantStored(id, want)
}

// mustDelete checks that Delete succeeds.
func (c checker) mustDelete(id string) {
	c.Helper()
	if err := c.s.Delete(context.Background(), id); err != nil {
		c.Fatalf("Delete(%s): %v", show(id), err)
	}
}

// failures collects what the writers of a concurrent case saw go wrong,
// for the test goroutine to report, keeping the first few.
type failures struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (f *failures) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if len(f.first) < 5 {
		f.first = append(f.first, fmt.Sprintf(format, args...))
	}
}

// report reports the failures to st and returns whether there were any.
func (f *failures) report(st suiteT) bool {
	st.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.first {
		st.Errorf("%s", m)
	}
	if more := f.n - len(f.first); more > 0 {
		st.Errorf("and %d more like these", more)
	}
	return f.n > 0
}
