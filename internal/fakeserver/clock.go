package fakeserver

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake's sense of time. A Clock from NewClock stands still until
// Advance or Set moves it. One from NewRealClock follows the wall clock, and
// Advance and Set still work on it: they change an offset, so "30 minutes
// later" can be reached in a test that otherwise runs in real time.
//
// The fakes re-export it as their own Clock (a type alias), so its exported
// methods are part of their API: Now, Advance, Set and AfterFunc only. What
// only the fakes need (Watch, WaitUntil) are functions of this package.
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

// NewRealClock returns a Clock that follows the wall clock. It reads the
// wall clock once and then counts monotonic time, so a step of the system
// clock (NTP) cannot make a due retry wait, or a fake's WaitDeliveries and
// its retry timers disagree about what is due.
func NewRealClock() *Clock {
	return &Clock{real: true, start: time.Now(), changed: make(chan struct{})}
}

// Now returns the clock's time in UTC, without a monotonic reading. It has
// the signature of handoff.WithClock and friends, so one Clock can drive a
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
// returns the new time. Whatever waits on the clock (a fake's webhook
// retries, session expiry) and became due starts at once; the fake's
// WaitDeliveries waits for the deliveries that follow.
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

// AfterFunc calls f in its own goroutine once the clock reads d later than
// now, like time.AfterFunc on this clock's time: a Clock from NewClock gets
// there only through Advance or Set. stop cancels the call and reports
// whether it did so before f started. It has the shape of the timers code
// under test takes (altabots.Clock), so one Clock drives both.
func (c *Clock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	at := c.Now().Add(d)
	ctx, cancel := context.WithCancel(context.Background())
	// Whoever claims first, the timer firing or stop, decides.
	var once sync.Once
	claim := func() (won bool) {
		once.Do(func() { won = true })
		return won
	}
	go func() {
		defer cancel()
		if WaitUntil(ctx, c, at) == nil && claim() {
			f()
		}
	}()
	return func() bool {
		defer cancel()
		return claim()
	}
}

// Watch returns c's current time and a channel closed the next time c is
// moved by Advance or Set.
func Watch(c *Clock) (time.Time, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(), c.changed
}

// WaitUntil blocks until c reads t or later, or ctx ends, and returns ctx's
// error in that case. A clock from NewClock only gets there through Advance
// or Set; one from NewRealClock also by waiting. It returns nil at once for
// a t already reached, even when ctx has ended.
func WaitUntil(ctx context.Context, c *Clock, t time.Time) error {
	for {
		now, changed := Watch(c)
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

// IsReal reports whether c follows the wall clock (NewRealClock), so that
// waiting for a time on it needs a timer as well as Watch.
func IsReal(c *Clock) bool { return c.real }
