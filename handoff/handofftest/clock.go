package handofftest

import (
	"sync"
	"time"
)

// Clock is a fake clock for tests: its time moves only when told to. Pass
// its Now method where a clock is wanted, such as handoff.WithClock or
// handoff.WithStoreClock, then Advance it past a grace period instead of
// waiting one out.
//
// A Clock is safe for concurrent use. The zero Clock reads the zero time;
// [NewClock] starts one elsewhere.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.Round(0)}
}

// Now returns the clock's time. It has no monotonic reading, so it compares
// and subtracts by its wall time as stored times do, and keeps the location
// the clock was given.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d and returns the new time. A negative d moves
// it back, as a wall clock corrected by NTP can go back.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.Round(0)
}
