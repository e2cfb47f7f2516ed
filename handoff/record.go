package handoff

import (
	"encoding/binary"
	"fmt"
	"time"
)

// recentEvents is how many event fingerprints a record keeps for dedupe.
// Only events that moved or renewed a claim are remembered (a redelivered
// grace extension merely extends the grace again), so three cover a
// vendor's redeliveries; events that carry a time are caught by it too.
const recentEvents = 3

// Record is what a [Store] keeps for one conversation: who owns it, since
// when, until when, and enough history to ignore redelivered and late
// events. The zero Record is a conversation the bot owns that nothing has
// happened to; stores return it for conversations they do not hold.
//
// Stores persist every field; [Record.MarshalBinary] gives a compact,
// versioned encoding for stores that keep bytes.
type Record struct {
	// Version counts the record's changes. Zero means "not stored". The
	// first write takes the clock's Unix nanoseconds and every later write
	// adds one, so a version is not reused after the record is deleted and
	// written again (as long as the clock moves forward): a
	// [Decision.Token] cannot match a record it was not made from.
	Version uint64
	// State is who owns the conversation.
	State State
	// Reason is why it is in State.
	Reason Reason
	// Since is when the conversation was last claimed: the time of the
	// latest event that changed the owner or renewed a claim (a take-over,
	// a repeated handover request). Events older than Since cannot undo
	// it. A deadline passing does not move it.
	Since time.Time
	// Until is when State ends by itself: the end of the grace period or
	// hold for Human, the pending timeout for Pending; zero means never.
	// On a Bot record that a deadline handed back it is that deadline,
	// kept so that a late event can be judged.
	Until time.Time
	// LastHuman is the time of the latest human activity.
	LastHuman time.Time
	// Recent holds fingerprints (64-bit FNV-1a) of the IDs of the latest
	// events that moved or renewed the claim, newest first; zero slots are
	// empty.
	Recent [recentEvents]uint64
}

// seen reports whether the event ID with fingerprint fp changed r recently.
func (r *Record) seen(fp uint64) bool {
	if fp == 0 {
		return false
	}
	for _, f := range r.Recent {
		if f == fp {
			return true
		}
	}
	return false
}

// remember records fp as the newest event fingerprint.
func (r *Record) remember(fp uint64) {
	if fp == 0 {
		return
	}
	copy(r.Recent[1:], r.Recent[:recentEvents-1])
	r.Recent[0] = fp
}

// equal reports whether r and o hold the same record; times compare as
// instants.
func (r *Record) equal(o *Record) bool {
	return r.Version == o.Version && r.State == o.State && r.Reason == o.Reason &&
		r.Since.Equal(o.Since) && r.Until.Equal(o.Until) && r.LastHuman.Equal(o.LastHuman) &&
		r.Recent == o.Recent
}

// fingerprint returns the 64-bit FNV-1a hash of an event ID, or 0 for no
// ID. It is stable across processes, so replicas sharing a store agree.
func fingerprint(id string) uint64 {
	if id == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h
}

// checkTimes reports a time that Unix nanoseconds cannot hold.
func (r *Record) checkTimes() error {
	for _, f := range [...]struct {
		name string
		t    time.Time
	}{{"Since", r.Since}, {"Until", r.Until}, {"LastHuman", r.LastHuman}} {
		if !f.t.IsZero() && (f.t.Before(minTime) || f.t.After(maxTime)) {
			return fmt.Errorf("handoff: Record.%s %s is out of range", f.name, f.t.Format(time.RFC3339))
		}
	}
	return nil
}

// The encoding: a format byte, state, reason, a flags byte saying which
// times are set, the version as a uvarint, each set time as a varint of
// Unix nanoseconds, a fingerprint count, and the fingerprints as 8 bytes
// each, little-endian.
const (
	recordFormat byte = 1

	flagSince     = 1 << 0
	flagUntil     = 1 << 1
	flagLastHuman = 1 << 2
	knownFlags    = flagSince | flagUntil | flagLastHuman

	// maxRecordLen bounds an encoding: four header bytes, a version,
	// three times, a count and three fingerprints.
	maxRecordLen = 4 + binary.MaxVarintLen64*4 + 1 + recentEvents*8
)

// MarshalBinary encodes r in at most 69 bytes. Times keep nanosecond
// precision but not their location or monotonic reading.
func (r Record) MarshalBinary() ([]byte, error) {
	return r.AppendBinary(make([]byte, 0, maxRecordLen))
}

// AppendBinary appends the encoding of r to b, as [Record.MarshalBinary]
// does.
func (r Record) AppendBinary(b []byte) ([]byte, error) {
	if err := r.checkTimes(); err != nil {
		return b, err
	}
	var flags byte
	times := [3]time.Time{r.Since, r.Until, r.LastHuman}
	for i, t := range times {
		if !t.IsZero() {
			flags |= 1 << i
		}
	}
	b = append(b, recordFormat, byte(r.State), byte(r.Reason), flags)
	b = binary.AppendUvarint(b, r.Version)
	for i, t := range times {
		if flags&(1<<i) != 0 {
			b = binary.AppendVarint(b, t.UnixNano())
		}
	}
	n := 0
	for _, f := range r.Recent {
		if f != 0 {
			n++
		}
	}
	b = append(b, byte(n))
	for _, f := range r.Recent {
		if f != 0 {
			b = binary.LittleEndian.AppendUint64(b, f)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what [Record.MarshalBinary] wrote. Anything else
// (another format, a state or reason it does not know, missing or extra
// bytes) is an error wrapping [ErrInvalidRecord], and r is left unchanged.
func (r *Record) UnmarshalBinary(data []byte) error {
	fail := func(what string) error { return fmt.Errorf("%w: %s", ErrInvalidRecord, what) }
	if len(data) < 4 {
		return fail("too short")
	}
	if data[0] != recordFormat {
		return fail(fmt.Sprintf("format %d is not %d", data[0], recordFormat))
	}
	var out Record
	out.State, out.Reason = State(data[1]), Reason(data[2])
	flags := data[3]
	switch {
	case out.State > lastState:
		return fail(fmt.Sprintf("state %d", data[1]))
	case out.Reason > lastReason:
		return fail(fmt.Sprintf("reason %d", data[2]))
	case flags&^knownFlags != 0:
		return fail(fmt.Sprintf("flags %#x", flags))
	}
	rest := data[4:]
	v, n := binary.Uvarint(rest)
	if n <= 0 {
		return fail("version")
	}
	out.Version, rest = v, rest[n:]
	for i, t := range []*time.Time{&out.Since, &out.Until, &out.LastHuman} {
		if flags&(1<<i) == 0 {
			continue
		}
		ns, n := binary.Varint(rest)
		if n <= 0 {
			return fail("time")
		}
		*t, rest = time.Unix(0, ns).UTC(), rest[n:]
	}
	if len(rest) < 1 || int(rest[0]) > recentEvents || len(rest) != 1+int(rest[0])*8 {
		return fail("event fingerprints")
	}
	for i := range int(rest[0]) {
		f := binary.LittleEndian.Uint64(rest[1+i*8:])
		if f == 0 {
			return fail("empty event fingerprint")
		}
		out.Recent[i] = f
	}
	*r = out
	return nil
}
