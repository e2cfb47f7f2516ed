package certainly_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/webhookverify"
)

// A Relay runs the handover flow: a claim puts the bot in listen mode, the
// user's messages go to the agent, the agent's replies to the user, and the
// conversation goes back to the bot when the agent releases it — or, when
// the agent has gone quiet for the grace period (30 minutes), at the next
// sweep, with RelayConfig.ClaimEnd.
func ExampleNewRelay() {
	srv := exampleCertainly() // prints every call Certainly gets
	defer srv.Close()
	ctx := context.Background()

	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now } // time.Now in a real program

	client, err := certainly.NewClient("my-bot-token", certainly.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	relay, err := certainly.NewRelay(certainly.RelayConfig{
		Client:   client,
		Now:      clock,
		ClaimEnd: "satisfaction-survey",
		OnClaim: func(ctx context.Context, conv certainly.Conversation, c *certainly.Claim) error {
			fmt.Printf("desk: %s is waiting (order %s)\n", c.FirstName, c.ExtractedData["order"])
			return nil
		},
		OnUserMessage: func(ctx context.Context, conv certainly.Conversation, m *certainly.Message) error {
			fmt.Printf("desk: %s says %q\n", conv.UserID, m.Text)
			return nil
		},
		OnError: func(conv certainly.Conversation, err error) { fmt.Println("relay:", err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer relay.Close()
	// In a real program: go relay.Run(ctx, time.Minute)

	auth, err := webhookverify.BearerToken("webhook-token")
	if err != nil {
		log.Fatal(err)
	}
	webhook, err := certainly.NewWebhookHandler(relay.Handle, certainly.WithAuthenticator(auth))
	if err != nil {
		log.Fatal(err)
	}

	// Certainly posts the claim, then the user's message.
	fmt.Println("claim:", examplePost(webhook, exampleClaim, "webhook-token"))
	fmt.Println("message:", examplePost(webhook, exampleUserMessage, "webhook-token"))

	// The agent answers.
	conv := certainly.Conversation{BotID: "botdep-4711", UserID: "web-user-42"}
	if err := relay.Reply(ctx, conv, "It ships today."); err != nil {
		log.Fatal(err)
	}

	// The agent goes quiet; 30 minutes later a sweep gives the conversation
	// back to the bot.
	mu.Lock()
	now = now.Add(30 * time.Minute)
	mu.Unlock()
	n, err := relay.Sweep(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("handed back:", n)
	fmt.Println("release:", relay.Release(ctx, conv, ""))
	// Output:
	// certainly: GET /webbot/api/webchat/botdep-4711/handover/web-user-42/
	// desk: Ana is waiting (order "A-1009")
	// claim: 204
	// desk: web-user-42 says "Where is my order?"
	// message: 204
	// certainly: POST /webbot/api/webchat/botdep-4711/handover/web-user-42/ {"message":"It ships today."}
	// certainly: GET /webbot/api/webchat/botdep-4711/takeover/web-user-42/?ClaimEnd=satisfaction-survey
	// handed back: 1
	// release: certainly: the bot owns the conversation
}
