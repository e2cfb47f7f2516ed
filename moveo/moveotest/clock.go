package moveotest

import (
	"context"
	"sync"
	"time"
)

// Clock is the fake Moveo's sense of time: session expiry, the timestamp of
// webhook events and the delivery retry schedule all read it. Advance moves
// it forward; a retry that became due fires at once and a session whose
// timeout passed expires, so a test never sleeps through Moveo's backoff or
// a 24-hour session timeout.
//
// A Clock from NewClock stands still until told to move. The clock a Server
// makes when WithClock is not given follows the wall clock, and Advance
// still works on it: it adds an offset.
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	real    bool          // follows the wall clock, + offset
	start   time.Time     // real clocks: when made, with its monotonic reading
	offset  time.Duration // real clocks only
	now     time.Time     // fake clocks only
	changed chan struct{} // closed and replaced whenever the time is moved
}

// NewClock returns a Clock that reads start until Advance or Set moves it.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC().Round(0), changed: make(chan struct{})}
}

// newRealClock returns a Clock that follows the wall clock, counting
// monotonic time from its creation so that a step of the system clock
// cannot make a due retry wait.
func newRealClock() *Clock {
	return &Clock{real: true, start: time.Now(), changed: make(chan struct{})}
}

// Now returns the clock's time in UTC, without a monotonic reading. It has
// the signature of handoff.WithClock and friends, so one Clock can drive the
// fake and the code under test.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.real {
		return c.start.Add(time.Since(c.start) + c.offset).UTC().Round(0)
	}
	return c.now
}

// Advance moves the clock forward by d (back, when d is negative) and
// returns the new time. Webhook retries that are now due start at once and
// sessions idle for longer than the session timeout expire;
// Server.WaitDeliveries waits for the deliveries that follow.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		c.offset += d
	} else {
		c.now = c.now.Add(d)
	}
	c.broadcastLocked()
	return c.nowLocked()
}

// Set moves the clock to t. On a clock that follows the wall clock, it sets
// the offset so that Now reads t at this instant.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		c.offset += t.Sub(c.nowLocked())
	} else {
		c.now = t.UTC().Round(0)
	}
	c.broadcastLocked()
}

func (c *Clock) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// watch returns the current time and a channel closed the next time the
// clock is moved.
func (c *Clock) watch() (time.Time, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(), c.changed
}

// waitUntil blocks until the clock reads t or later, or ctx ends. A fake
// clock only gets there through Advance or Set; a real one also by waiting.
func (c *Clock) waitUntil(ctx context.Context, t time.Time) error {
	for {
		now, changed := c.watch()
		if !now.Before(t) {
			return nil
		}
		var timer *time.Timer
		var fired <-chan time.Time
		if c.real { // never changes after construction
			timer = time.NewTimer(t.Sub(now))
			fired = timer.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
