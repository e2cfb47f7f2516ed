package munin_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// The widget flow: push what the visitor wrote, and read what came back
// from the session's feed. A fake Munin stands in for the real one.
func Example() {
	srv, err := munintest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ch := srv.Channel()
	ctx := context.Background()

	widget, err := munin.NewWidgetClient(ch.WidgetKey,
		munin.WithBaseURL(srv.URL), // omit for hosted Munin
		munin.WithOrigin("https://shop.example"),
		munin.WithChannel(ch.ID))
	if err != nil {
		log.Fatal(err)
	}
	res, err := widget.Push(ctx, munin.Push{
		SessionID: "vis_abc123",
		Visitor:   &munin.Visitor{Name: "Vita", Email: "vita@example.com"},
		Messages:  []munin.WidgetMessage{{Body: "Where is my order?"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("inserted:", res.Inserted)

	// A human answers in Munin's dashboard.
	if _, err := srv.Dashboard().Reply(res.ConversationID, "Hi Vita, it ships today."); err != nil {
		log.Fatal(err)
	}

	for m, err := range widget.Messages(ctx, munin.MessagesRequest{SessionID: "vis_abc123"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (%s): %s\n", m.Role, m.AuthorKind, m.Body)
	}
	// Output:
	// inserted: 1
	// end_user (): Where is my order?
	// agent (human): Hi Vita, it ships today.
}

// A push is safe to retry: every message carries a providerMessageId
// (generated when missing), and Munin skips ids it already stored.
func ExampleWidgetClient_Push() {
	srv, err := munintest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ch := srv.Channel()
	widget, err := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(srv.URL),
		munin.WithOrigin("https://shop.example"), munin.WithChannel(ch.ID))
	if err != nil {
		log.Fatal(err)
	}
	push := munin.Push{
		SessionID: "vis_abc123",
		Messages: []munin.WidgetMessage{
			{Body: "Where is my order?", ProviderMessageID: "vis_abc123:evt_1"},
		},
	}
	for range 2 {
		res, err := widget.Push(context.Background(), push)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("inserted %d, skipped %d\n", res.Inserted, res.Skipped)
	}
	// Output:
	// inserted 1, skipped 0
	// inserted 0, skipped 1
}

// The bot posts its replies with an admin key. While a human holds the
// conversation, Munin refuses them with handover_active.
func ExampleConversationsService_SendMessage() {
	srv, err := munintest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	ch := srv.Channel()
	widget, err := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(srv.URL),
		munin.WithOrigin("https://shop.example"), munin.WithChannel(ch.ID))
	if err != nil {
		log.Fatal(err)
	}
	res, err := widget.Push(ctx, munin.Push{SessionID: "vis_1", Messages: []munin.WidgetMessage{{Body: "Hi"}}})
	if err != nil {
		log.Fatal(err)
	}

	admin, err := munin.NewClient(srv.AdminKey(), munin.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	msg, err := admin.Conversations.SendMessage(ctx, res.ConversationID, munin.SendMessageRequest{Body: "Hello! How can I help?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("posted as", msg.AuthorType)

	if _, err := srv.Dashboard().TakeOver(res.ConversationID, 0); err != nil {
		log.Fatal(err)
	}
	_, err = admin.Conversations.SendMessage(ctx, res.ConversationID, munin.SendMessageRequest{Body: "Anything else?"})
	switch {
	case errors.Is(err, munin.ErrHandoverActive):
		fmt.Println("a human holds the conversation: stay quiet")
	case err != nil:
		log.Fatal(err)
	}
	// Output:
	// posted as agent
	// a human holds the conversation: stay quiet
}

// With WithMCP the admin client calls Munin's MCP tools, which a key with
// narrow scopes may use. Results and errors are the same types as over REST;
// what only REST offers fails with ErrRESTOnly before anything is sent.
func ExampleWithMCP() {
	srv, err := munintest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	key := srv.NewAdminKey("conv:read", "conv:write") // least privilege

	admin, err := munin.NewClient(key, munin.WithBaseURL(srv.URL), munin.WithMCP(srv.MCPURL()))
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()

	_, err = admin.Conversations.Get(ctx, "ccv_doesnotexist0000000000")
	fmt.Println(errors.Is(err, munin.ErrConversationNotFound))
	_, err = admin.Conversations.TakeOver(ctx, "ccv_doesnotexist0000000000", 0)
	fmt.Println(errors.Is(err, munin.ErrRESTOnly))
	// Output:
	// true
	// true
}
