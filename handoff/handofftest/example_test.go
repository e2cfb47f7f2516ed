package handofftest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

// A fake clock walks a conversation through the 30-minute grace period
// after a human's message without waiting for it.
func ExampleClock() {
	ctx := context.Background()
	clock := handofftest.NewClock(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
	ctl, err := handoff.New(handoff.NewMemoryStore(), handoff.WithClock(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = ctl.Observe(ctx, handoff.Event{ID: "msg_1", Conversation: "conv_1", Kind: handoff.HumanMessage})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, step := range []time.Duration{0, 29*time.Minute + 59*time.Second, time.Second} {
		now := clock.Advance(step)
		d, err := ctl.Decide(ctx, "conv_1")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s allow=%t (%s)\n", now.Format(time.TimeOnly), d.Allow, d.Reason)
	}
	// Output:
	// 10:00:00 allow=false (human active)
	// 10:29:59 allow=false (human active)
	// 10:30:00 allow=true (grace period over)
}
