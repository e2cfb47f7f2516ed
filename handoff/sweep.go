package handoff

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// WithSweeping makes the Controller remember the deadlines of the
// conversations it writes or decides on, so that [Controller.Sweep] and
// [Controller.RunSweeper] can hand them back to the bot when the deadline
// passes, and tell the [OnTransition] observers at that moment rather than
// at the conversation's next event.
//
// Deciding does not need it: deadlines are applied whenever a record is
// read. Each replica sweeps the deadlines it has seen; when several sweep
// the same conversation, the store's version check lets exactly one of them
// store the change.
func WithSweeping() Option {
	return func(c *Controller) error {
		c.deadlines = &deadlines{index: make(map[string]int)}
		return nil
	}
}

// ErrNotSweeping is returned by Sweep and RunSweeper on a Controller made
// without [WithSweeping].
var ErrNotSweeping = errors.New("handoff: the Controller was made without WithSweeping")

// Sweep stores the expiry of every conversation whose deadline has passed,
// calling the observers for each, and returns how many it changed. Run it
// from a timer, or use RunSweeper.
func (c *Controller) Sweep(ctx context.Context) (int, error) {
	if c.deadlines == nil {
		return 0, ErrNotSweeping
	}
	now := normalize(c.now())
	n := 0
	var errs []error
	due := c.deadlines.due(now)
	for i, dl := range due {
		if err := ctx.Err(); err != nil {
			for _, rest := range due[i:] {
				c.deadlines.track(rest.conv, &Record{State: Human, Until: rest.until, Version: rest.version})
			}
			return n, err
		}
		// A user message changes nothing by itself, so applying one
		// stores exactly the deadlines that have passed.
		tr, err := c.update(ctx, &Event{Conversation: dl.conv, Kind: UserMessage}, opSweep)
		if err != nil {
			c.deadlines.track(dl.conv, &Record{State: Human, Until: dl.until, Version: dl.version}) // try again next time
			errs = append(errs, err)
			continue
		}
		// Another replica may have extended the deadline: follow it.
		c.deadlines.track(dl.conv, &Record{State: tr.To, Until: tr.Until, Version: tr.Version})
		if tr.Cause == Expiry && tr.OwnerChanged() {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// RunSweeper calls Sweep every interval until ctx is done, and returns
// ctx.Err() then. Errors from a sweep are logged (see [WithLogger]) and the
// next sweep tries again.
func (c *Controller) RunSweeper(ctx context.Context, interval time.Duration) error {
	if c.deadlines == nil {
		return ErrNotSweeping
	}
	if interval <= 0 {
		return errors.New("handoff: RunSweeper: interval must be positive")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, err := c.Sweep(ctx); err != nil && ctx.Err() == nil && c.logger != nil {
				c.logger.WarnContext(ctx, "handoff: sweep failed", "error", err)
			}
		}
	}
}

// deadlines is a min-heap of conversation deadlines with an index for
// updates, safe for concurrent use.
type deadlines struct {
	mu    sync.Mutex
	items []deadline
	index map[string]int
}

type deadline struct {
	conv    string
	until   time.Time
	version uint64 // of the record the deadline was read from
}

// track records r's deadline for conv, or forgets conv when r has none. A
// record older than the one tracked is ignored, so a slow caller cannot
// undo what a faster one saw.
func (d *deadlines) track(conv string, r *Record) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.index[conv]
	switch {
	case ok && d.items[i].version > r.Version:
	case r.State == Bot || r.Until.IsZero():
		if ok {
			heap.Remove(d, i)
		}
	case ok:
		d.items[i].until, d.items[i].version = r.Until, r.Version
		heap.Fix(d, i)
	default:
		heap.Push(d, deadline{conv, r.Until, r.Version})
	}
}

func (d *deadlines) forget(conv string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if i, ok := d.index[conv]; ok {
		heap.Remove(d, i)
	}
}

// due removes and returns the conversations whose deadline is not after
// now; Sweep puts back the ones it finds extended or cannot store.
func (d *deadlines) due(now time.Time) []deadline {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []deadline
	for len(d.items) > 0 && !d.items[0].until.After(now) {
		out = append(out, heap.Pop(d).(deadline))
	}
	return out
}

// heap.Interface, called with mu held.
func (d *deadlines) Len() int           { return len(d.items) }
func (d *deadlines) Less(i, j int) bool { return d.items[i].until.Before(d.items[j].until) }
func (d *deadlines) Swap(i, j int) {
	d.items[i], d.items[j] = d.items[j], d.items[i]
	d.index[d.items[i].conv] = i
	d.index[d.items[j].conv] = j
}
func (d *deadlines) Push(x any) {
	it := x.(deadline)
	d.index[it.conv] = len(d.items)
	d.items = append(d.items, it)
}
func (d *deadlines) Pop() any {
	it := d.items[len(d.items)-1]
	d.items = d.items[:len(d.items)-1]
	delete(d.index, it.conv)
	return it
}
