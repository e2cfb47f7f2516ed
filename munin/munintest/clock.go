package munintest

import (
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Clock is the fake Munin's sense of time: claim expiry, the createdAt of
// events and messages, the rate-limit windows and the webhook retry schedule
// all read it. Advance moves it forward, and a webhook retry that became due
// fires at once, so a test never sleeps through Munin's 30 s backoff;
// Server.WaitDeliveries waits for the retries to finish.
//
// A Clock from NewClock stands still until told to move. The clock a Server
// makes when WithClock is not given follows the wall clock, and Advance
// still works on it: it adds an offset, so "30 minutes later" can be
// reached in a test that otherwise runs in real time.
//
// A Clock is safe for concurrent use. It is the same type as the other
// vendor fakes' Clock, so one Clock can drive several fakes.
type Clock = fakeserver.Clock

// NewClock returns a Clock that reads start until Advance or Set moves it.
func NewClock(start time.Time) *Clock { return fakeserver.NewClock(start) }
