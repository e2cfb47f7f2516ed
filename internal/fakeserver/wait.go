package fakeserver

import (
	"context"
	"time"
)

// Apply runs opts on cfg in order and returns the first error. A nil
// option is an error.
func Apply[C any, O ~func(*C) error](cfg *C, opts []O) error {
	for _, opt := range opts {
		if opt == nil {
			return errNilOption
		}
		if err := opt(cfg); err != nil {
			return err
		}
	}
	return nil
}

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
