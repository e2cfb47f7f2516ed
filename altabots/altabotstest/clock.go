package altabotstest

import (
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Clock is the fake AltaBots' sense of time: the timestamp of its calls to
// the desk, the time it records replies at, the first-reply deadline and
// the rate-limit window all read it. Advance moves it forward; a deadline
// that passed ends its handoff at once, so a test never waits out
// AltaBots' 60 seconds.
//
// A Clock from NewClock stands still until told to move. The clock a
// Server makes when WithClock is not given follows the wall clock, and
// Advance still works on it: it adds an offset.
//
// Its Now and AfterFunc have the shape altabots.WithClock takes, so one
// Clock drives the fake and the desk's handler (its auto-reply timers).
// A Clock is safe for concurrent use. It is the same type as the other
// vendor fakes' Clock.
type Clock = fakeserver.Clock

// NewClock returns a Clock that reads start until Advance or Set moves it.
func NewClock(start time.Time) *Clock { return fakeserver.NewClock(start) }
