package handoff_test

import (
	"testing"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// FuzzRecordUnmarshal: any bytes decode to a record that encodes back to
// the same bytes, or fail with ErrInvalidRecord; nothing panics.
func FuzzRecordUnmarshal(f *testing.F) {
	for _, r := range []handoff.Record{{}, fullRecord(), botRecord, pendingRecord, humanRecord} {
		b, err := r.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r handoff.Record
		if err := r.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		var r2 handoff.Record
		if err := r2.UnmarshalBinary(again); err != nil || r2 != r {
			t.Fatalf("round trip: %+v -> %+v (%v)", r, r2, err)
		}
	})
}

// FuzzApply: any event on any record the rules can produce keeps the
// invariants — versions only grow, a replay changes nothing, a Human or
// Pending record has a deadline within the policy's bounds.
func FuzzApply(f *testing.F) {
	f.Add(uint8(handoff.HumanMessage), int64(0), int64(60), int64(0), "cvm_1", uint8(handoff.TakeOver), int64(600))
	f.Add(uint8(handoff.HandoffRequested), int64(-7200), int64(0), int64(0), "", uint8(handoff.HandBack), int64(3600))
	f.Add(uint8(handoff.TakeOver), int64(10), int64(1), int64(1<<40), "x", uint8(handoff.HumanLeft), int64(5))
	f.Fuzz(func(t *testing.T, k1 uint8, at1, step, hold int64, id string, k2 uint8, at2 int64) {
		kinds := []handoff.Kind{handoff.Kind(k1%12 + 1), handoff.Kind(k2%12 + 1)}
		offsets := []int64{at1 % (1 << 20), at2 % (1 << 20)}
		p := handoff.Policy{Grace: handoff.DefaultGrace, PendingTimeout: handoff.DefaultPendingTimeout, MaxHold: handoff.DefaultMaxHold}
		now := t0
		var r handoff.Record
		ids := []string{id, id + "/2"} // distinct, so the second is not a duplicate
		for i, k := range kinds {
			now = now.Add(time.Duration(uint64(step)%(1<<20)) * time.Second) // clocks move forward
			ev := handoff.Event{ID: ids[i], Conversation: "ccv_1", Kind: k,
				OccurredAt: now.Add(time.Duration(offsets[i]) * time.Second), Hold: time.Duration(hold & (1<<62 - 1))}
			next, _ := handoff.Apply(r, ev, now, p)
			if next.Version < r.Version {
				t.Fatalf("version went back: %d -> %d", r.Version, next.Version)
			}
			if again, _ := handoff.Apply(next, ev, now, p); again != next {
				t.Fatalf("replay changed %+v into %+v", next, again)
			}
			if next.State != handoff.Bot && !next.Until.IsZero() &&
				next.Until.After(now.Add(max(p.Grace, p.MaxHold, p.PendingTimeout))) {
				t.Fatalf("deadline %s beyond the policy's bounds at %s", next.Until, now)
			}
			r = next
		}
	})
}
