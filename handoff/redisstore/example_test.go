package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
	"github.com/botbridge/botbridge/handoff/redisstore"
)

// Two bot replicas share one Redis (here an in-process miniredis). A human
// message observed by one replica silences the bot on the other, and the
// reply the other was composing is dropped at Commit.
func Example() {
	mr, err := miniredis.Run()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mr.Close()

	var closers []func() error
	defer func() {
		for _, closeClient := range closers {
			closeClient()
		}
	}()

	ctx := context.Background()
	clock := handofftest.NewClock(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
	replica := func() (*handoff.Controller, error) {
		rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{mr.Addr()}})
		closers = append(closers, rdb.Close)
		store, err := redisstore.New(rdb, redisstore.WithClock(clock.Now))
		if err != nil {
			return nil, err
		}
		return handoff.New(store, handoff.WithClock(clock.Now))
	}
	a, err := replica()
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := replica()
	if err != nil {
		fmt.Println(err)
		return
	}
	const conv = "ccv_1"

	composing, _ := a.Decide(ctx, conv) // replica a starts a slow LLM call
	fmt.Println("a may reply:", composing.Allow)

	// Replica b receives the webhook: a human replied.
	tr, err := b.Observe(ctx, handoff.Event{
		ID: "cvm_1", Conversation: conv, Kind: handoff.HumanMessage, OccurredAt: clock.Now(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("b observed:", tr.From, "->", tr.To)

	err = a.Commit(ctx, composing)
	fmt.Println("a's late reply is stale:", errors.Is(err, handoff.ErrStale))

	d, _ := a.Decide(ctx, conv)
	fmt.Printf("a may reply: %t (%s, until %s)\n", d.Allow, d.Reason, d.Until.Format("15:04"))

	// Output:
	// a may reply: true
	// b observed: bot -> human
	// a's late reply is stale: true
	// a may reply: false (human active, until 10:30)
}
