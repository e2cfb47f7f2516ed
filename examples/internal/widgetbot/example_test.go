package widgetbot_test

import (
	"context"
	"fmt"

	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// The bot answers while nobody else owns the conversation, and stays quiet
// once a human does.
func Example() {
	ctx := context.Background()
	fake, err := munintest.New()
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	widget, _ := munin.NewWidgetClient(fake.Channel().WidgetKey, munin.WithBaseURL(fake.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(fake.Channel().ID))
	admin, _ := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	ctl, _ := handoff.New(nil)
	bot, err := widgetbot.New(widgetbot.Config{Widget: widget, Admin: admin, Controller: ctl})
	if err != nil {
		panic(err)
	}

	a, err := bot.Hear(ctx, "s1", "Where is my order?")
	fmt.Println(a.Reply, err)

	// A human writes (in a bot, the webhook handler observes this).
	_, _ = ctl.Observe(ctx, handoff.Event{ID: "m1", Conversation: a.Conversation, Kind: handoff.HumanMessage})
	a, err = bot.Hear(ctx, "s1", "Thanks!")
	fmt.Printf("%q %s %v\n", a.Reply, a.Decision.State, err)
	// Output:
	// Order #1042 left our warehouse yesterday and should arrive on Friday. <nil>
	// "" human <nil>
}
