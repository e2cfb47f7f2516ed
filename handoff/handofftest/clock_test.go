package handofftest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff/handofftest"
)

var start = time.Date(2026, 4, 30, 10, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))

func TestClockStandsStill(t *testing.T) {
	t.Parallel()
	clock := handofftest.NewClock(start)
	first := clock.Now()
	assert.True(t, first.Equal(start), "Now() = %v, want %v", first, start)
	assert.Equal(t, start.Location(), first.Location())
	assert.Equal(t, first, clock.Now(), "the clock moved by itself")
}

// Times with a monotonic reading compare by it, so a clock that kept
// time.Now's would disagree with the wall times stores give back.
func TestClockHasNoMonotonicReading(t *testing.T) {
	t.Parallel()
	clock := handofftest.NewClock(time.Now())
	assert.NotContains(t, clock.Now().String(), "m=", "NewClock")
	clock.Set(time.Now())
	assert.NotContains(t, clock.Now().String(), "m=", "Set")
	assert.NotContains(t, clock.Advance(time.Second).String(), "m=", "Advance")
}

func TestClockAdvance(t *testing.T) {
	t.Parallel()
	clock := handofftest.NewClock(start)
	now := clock.Advance(30 * time.Minute)
	assert.True(t, now.Equal(start.Add(30*time.Minute)), "Advance returned %v", now)
	assert.Equal(t, now, clock.Now(), "Now after Advance")

	now = clock.Advance(-45 * time.Minute)
	assert.True(t, now.Equal(start.Add(-15*time.Minute)), "Advance(-45m) returned %v, want 15 minutes before the start", now)
	assert.Equal(t, now, clock.Now(), "Now after Advance(-45m)")

	assert.Equal(t, now, clock.Advance(0), "Advance(0)")
}

func TestClockSet(t *testing.T) {
	t.Parallel()
	clock := handofftest.NewClock(start)
	later := start.Add(24 * time.Hour).In(time.UTC)
	clock.Set(later)
	assert.Equal(t, later, clock.Now())
	clock.Set(start)
	assert.Equal(t, start, clock.Now(), "Set back")
}

func TestClockZeroValue(t *testing.T) {
	t.Parallel()
	var clock handofftest.Clock
	assert.True(t, clock.Now().IsZero(), "the zero Clock reads %v", clock.Now())
	assert.Equal(t, time.Time{}.Add(time.Hour), clock.Advance(time.Hour))
}

// Writers advance while readers read: under -race this checks the locking,
// and the readers check they never see the time go back.
func TestClockConcurrentUse(t *testing.T) {
	t.Parallel()
	const writers, steps, readers = 8, 100, 4
	clock := handofftest.NewClock(start)
	done := make(chan struct{})
	var readErrs sync.Map
	var readersWG, writersWG sync.WaitGroup
	for i := range readers {
		readersWG.Go(func() {
			last := clock.Now()
			for {
				select {
				case <-done:
					return
				default:
				}
				now := clock.Now()
				if now.Before(last) {
					readErrs.Store(i, now)
					return
				}
				last = now
			}
		})
	}
	for range writers {
		writersWG.Go(func() {
			for range steps {
				clock.Advance(time.Second)
			}
		})
	}
	writersWG.Wait()
	close(done)
	readersWG.Wait()

	readErrs.Range(func(k, v any) bool {
		t.Errorf("reader %v saw the clock go back to %v", k, v)
		return true
	})
	require.Equal(t, start.Add(writers*steps*time.Second), clock.Now())
}
