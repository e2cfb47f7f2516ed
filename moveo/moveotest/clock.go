package moveotest

import (
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Clock is the fake Moveo's sense of time: session expiry, the timestamp of
// webhook events and the delivery retry schedule all read it. Advance moves
// it forward; a retry that became due fires at once and a session whose
// timeout passed expires, so a test never sleeps through Moveo's backoff or
// a 24-hour session timeout. Server.WaitDeliveries waits for the deliveries
// that follow.
//
// A Clock from NewClock stands still until told to move. The clock a Server
// makes when WithClock is not given follows the wall clock, and Advance
// still works on it: it adds an offset.
//
// Its Now has the signature of handoff.WithClock and friends, so one Clock
// can drive the fake and the code under test. A Clock is safe for
// concurrent use. It is the same type as the other vendor fakes' Clock.
type Clock = fakeserver.Clock

// NewClock returns a Clock that reads start until Advance or Set moves it.
func NewClock(start time.Time) *Clock { return fakeserver.NewClock(start) }
