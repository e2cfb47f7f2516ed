package fakeserver

import (
	"context"
	"sync"
	"time"
)

// WaitFor waits until poll reports that nothing is busy, or ctx ends (it
// returns ctx's error then). poll reports whether work is still busy, a
// channel closed when that may have changed, and an error that ends the
// wait, such as the fake's ErrClosed. Between polls WaitFor sleeps until
// that channel is closed or clock is moved: it never polls on a timer, so
// with a clock from NewClock, work due later runs only when a test moves
// it.
func WaitFor(ctx context.Context, clock *Clock, poll func() (busy bool, changed <-chan struct{}, err error)) error {
	for {
		_, clockMoved := Watch(clock)
		busy, changed, err := poll()
		if err != nil {
			return err
		}
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-clockMoved:
		}
	}
}

// Signal wakes a fake's waiters when its state changes. It has no lock of
// its own: the fake holds the lock that guards its state around C and
// Notify. The zero value is ready.
type Signal struct {
	ch chan struct{} // nil until a waiter asks for it
}

// C returns a channel that the next Notify closes.
func (s *Signal) C() <-chan struct{} {
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes everyone waiting on a channel from C.
func (s *Signal) Notify() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// WaitLocked is WaitFor for a fake whose state mu guards and sig
// announces: it calls done with mu held until done reports true or an
// error (such as the fake's ErrClosed), and returns that error, or ctx's
// if ctx ends first. Between calls it sleeps until sig is notified or
// clock is moved.
func WaitLocked(ctx context.Context, clock *Clock, mu sync.Locker, sig *Signal, done func() (bool, error)) error {
	return WaitFor(ctx, clock, func() (bool, <-chan struct{}, error) {
		mu.Lock()
		defer mu.Unlock()
		finished, err := done()
		if err != nil || finished {
			return false, nil, err
		}
		return true, sig.C(), nil
	})
}

// Sleep waits d of real time (nothing when d is not positive), or until
// ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
