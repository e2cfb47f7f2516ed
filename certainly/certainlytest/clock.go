package certainlytest

import (
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Clock is the fake Certainly's sense of time: the At of every transcript
// message, request and webhook delivery reads it. A Clock from NewClock
// stands still until Advance or Set moves it; the clock a Server makes when
// WithClock is not given follows the wall clock (Advance still adds an
// offset to it).
//
// Its Now has the signature of handoff.WithClock and of
// certainly.RelayConfig.Now, so one Clock can drive the fake and the code
// under test: advance it past a grace period and the relay hands the
// conversation back. A Clock is safe for concurrent use. It is the same type
// as the other vendor fakes' Clock.
type Clock = fakeserver.Clock

// NewClock returns a Clock that reads start until Advance or Set moves it.
func NewClock(start time.Time) *Clock { return fakeserver.NewClock(start) }
