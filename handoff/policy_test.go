package handoff_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

func TestBusinessHours(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	weekdays := []handoff.Span{{Start: 9 * time.Hour, End: 17*time.Hour + 30*time.Minute}}
	hours := &handoff.BusinessHours{Location: berlin}
	for d := time.Monday; d <= time.Friday; d++ {
		hours.Days[d] = weekdays
	}
	hours.Days[time.Saturday] = []handoff.Span{{Start: 10 * time.Hour, End: 12 * time.Hour}, {Start: 13 * time.Hour, End: 14 * time.Hour}}

	tests := []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 3, 27, 9, 0, 0, 0, berlin), true},                            // Friday, opening time is inside
		{time.Date(2026, 3, 27, 8, 59, 59, 999_999_999, berlin), false},               // a nanosecond before
		{time.Date(2026, 3, 27, 17, 29, 59, 0, berlin), true},                         // just before closing
		{time.Date(2026, 3, 27, 17, 30, 0, 0, berlin), false},                         // closing time is outside
		{time.Date(2026, 3, 28, 12, 30, 0, 0, berlin), false},                         // Saturday lunch
		{time.Date(2026, 3, 28, 13, 15, 0, 0, berlin), true},                          // Saturday afternoon span
		{time.Date(2026, 3, 29, 11, 0, 0, 0, berlin), false},                          // Sunday: no span
		{time.Date(2026, 3, 30, 9, 30, 0, 0, berlin), true},                           // Monday after the switch to summer time
		{time.Date(2026, 3, 30, 7, 30, 0, 0, time.UTC), true},                         // the same instant in UTC
		{time.Date(2026, 3, 27, 8, 30, 0, 0, time.UTC), true},                         // 09:30 in Berlin in winter
		{time.Date(2026, 3, 27, 16, 45, 0, 0, time.FixedZone("EST", -5*3600)), false}, // 22:45 in Berlin
	}
	for _, tt := range tests {
		assert.Equal(t, tt.open, hours.Open(tt.at), "%s", tt.at)
	}

	var utc handoff.BusinessHours // nil Location: UTC
	utc.Days[time.Friday] = weekdays
	assert.True(t, utc.Open(time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)))
	assert.False(t, utc.Open(time.Date(2026, 3, 27, 9, 0, 0, 0, berlin)))
}

// A handover asked on Saturday night stays with the bot, reported as
// outside business hours; on Monday morning it is taken.
func TestHandoverOutsideBusinessHours(t *testing.T) {
	hours := &handoff.BusinessHours{}
	hours.Days[time.Monday] = []handoff.Span{{Start: 9 * time.Hour, End: 17 * time.Hour}}
	p := handoff.Policy{Calendar: hours}
	req := handoff.Event{Conversation: "ccv_1", Kind: handoff.HandoffRequested}

	saturday := time.Date(2026, 5, 2, 22, 0, 0, 0, time.UTC)
	r, tr := handoff.Apply(handoff.Record{}, req, saturday, p)
	assert.Equal(t, handoff.Refused, tr.Effect)
	assert.Equal(t, handoff.Bot, r.State)
	assert.Equal(t, handoff.OutsideHours, tr.Reason)

	monday := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	r, tr = handoff.Apply(r, req, monday, p)
	assert.Equal(t, handoff.Applied, tr.Effect)
	assert.Equal(t, handoff.Pending, r.State)
}

func TestPolicyValidate(t *testing.T) {
	assert.NoError(t, handoff.Policy{}.Validate())
	assert.NoError(t, handoff.Policy{PendingTimeout: -1}.Validate(), "negative: no timeout")
	for field, p := range map[string]handoff.Policy{
		"Grace":     {Grace: -1},
		"MaxHold":   {MaxHold: -1},
		"HumanLeft": {HumanLeft: 3},
	} {
		err := p.Validate()
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), "Policy."+field)
	}
}
