package handoff_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

// fullRecord sets every field, with times in a zone other than UTC and
// nanoseconds that must survive.
func fullRecord() handoff.Record {
	paris := time.FixedZone("CEST", 2*3600)
	return handoff.Record{
		Version:   v0 + 41,
		State:     handoff.Human,
		Reason:    handoff.TakenOver,
		Since:     time.Date(2026, 4, 30, 12, 0, 0, 1, paris),
		Until:     time.Date(2026, 4, 30, 16, 0, 0, 999_999_999, paris),
		LastHuman: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), // before the Unix epoch
		Recent:    [3]uint64{1 << 63, 42, ^uint64(0)},
	}
}

func sameRecord(t *testing.T, want, got handoff.Record) {
	t.Helper()
	assert.Equal(t, want.Version, got.Version, "Version")
	assert.Equal(t, want.State, got.State, "State")
	assert.Equal(t, want.Reason, got.Reason, "Reason")
	assert.True(t, want.Since.Equal(got.Since), "Since: %s != %s", want.Since, got.Since)
	assert.True(t, want.Until.Equal(got.Until), "Until: %s != %s", want.Until, got.Until)
	assert.True(t, want.LastHuman.Equal(got.LastHuman), "LastHuman: %s != %s", want.LastHuman, got.LastHuman)
	assert.Equal(t, want.Recent, got.Recent, "Recent")
}

func TestRecordBinaryRoundTrip(t *testing.T) {
	for name, r := range map[string]handoff.Record{
		"zero":    {},
		"full":    fullRecord(),
		"bot":     botRecord,
		"pending": pendingRecord,
		"human":   humanRecord,
		"epoch":   {Version: 1, Since: time.Unix(0, 0)}, // set, though its Unix ns are 0
	} {
		t.Run(name, func(t *testing.T) {
			b, err := r.MarshalBinary()
			require.NoError(t, err)
			assert.LessOrEqual(t, len(b), 69)
			var got handoff.Record
			require.NoError(t, got.UnmarshalBinary(b))
			sameRecord(t, r, got)
		})
	}
}

func TestRecordUnmarshalRejects(t *testing.T) {
	good, err := fullRecord().MarshalBinary()
	require.NoError(t, err)
	tests := map[string]func([]byte) []byte{
		"empty":            func([]byte) []byte { return nil },
		"other format":     func(b []byte) []byte { b[0] = 2; return b },
		"unknown state":    func(b []byte) []byte { b[1] = 3; return b },
		"unknown reason":   func(b []byte) []byte { b[2] = 200; return b },
		"unknown flag":     func(b []byte) []byte { b[3] |= 0x80; return b },
		"truncated":        func(b []byte) []byte { return b[:len(b)-1] },
		"trailing byte":    func(b []byte) []byte { return append(b, 0) },
		"too many events":  func(b []byte) []byte { b[len(b)-25] = 4; return b },
		"zero fingerprint": func(b []byte) []byte { copy(b[len(b)-8:], make([]byte, 8)); return b },
		"cut in version":   func(b []byte) []byte { return b[:5] },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			r := botRecord
			err := r.UnmarshalBinary(mutate(append([]byte(nil), good...)))
			require.ErrorIs(t, err, handoff.ErrInvalidRecord)
			assert.Equal(t, botRecord, r, "left unchanged")
		})
	}
}

func TestRecordMarshalRejectsTimesOutOfRange(t *testing.T) {
	_, err := handoff.Record{Since: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}.MarshalBinary()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Record.Since")
}
