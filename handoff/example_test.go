package handoff_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

// The Munin escalation story: a dashboard human replies, so the bot keeps
// quiet; a reply the bot was composing meanwhile is dropped at Commit; 30
// minutes after the human's last message the visitor writes again and the
// bot may answer.
func Example() {
	ctx := context.Background()
	clock := handofftest.NewClock(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
	ctl, err := handoff.New(handoff.NewMemoryStore(),
		handoff.WithClock(clock.Now),
		handoff.OnTransition(func(t handoff.Transition) {
			fmt.Printf("  transition: %s -> %s (%s)\n", t.From, t.To, t.Reason)
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	const conv = "ccv_1"
	say := func(what string) {
		// Every event is observed, the visitor's messages too: that is
		// when a passed deadline is stored and observers hear of it.
		if _, err := ctl.Observe(ctx, handoff.Event{Conversation: conv, Kind: handoff.UserMessage}); err != nil {
			fmt.Println(err)
		}
		d, err := ctl.Decide(ctx, conv)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s: allow=%t (%s)\n", clock.Now().Format("15:04"), what, d.Allow, d.Reason)
	}

	say("visitor asks")
	composing, _ := ctl.Decide(ctx, conv) // the bot starts a slow LLM call

	// conversation.message.sent with authorType "user": a human replied.
	fmt.Println("10:00 webhook: a human replied")
	if _, err := ctl.Observe(ctx, handoff.Event{
		ID: "cvm_1", Conversation: conv, Kind: handoff.HumanMessage, OccurredAt: clock.Now(),
	}); err != nil {
		fmt.Println(err)
	}
	err = ctl.Commit(ctx, composing)
	fmt.Println("      the bot's late reply:", err, errors.Is(err, handoff.ErrStale))

	clock.Advance(10 * time.Minute)
	say("visitor writes")

	clock.Advance(20 * time.Minute)
	say("visitor writes")

	// Output:
	// 10:00 visitor asks: allow=true (no handoff)
	// 10:00 webhook: a human replied
	//   transition: bot -> human (human active)
	//       the bot's late reply: handoff: conversation changed since the decision true
	// 10:10 visitor writes: allow=false (human active)
	//   transition: human -> bot (grace period over)
	// 10:30 visitor writes: allow=true (grace period over)
}
