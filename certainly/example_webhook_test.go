package certainly_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/webhookverify"
)

// exampleClaim is the handover page's claim with its placeholders filled
// in.
const exampleClaim = `{"attachedMedia":"","reply":"VarWebhook","botId":"botdep-4711","direction":"out",
"extractedData":{"order":"A-1009"},"lastName":"Lind","sessionId":"sess-81","customVariables":{},"from":"token",
"firstName":"Ana","to":"web-user-42","replyData":"","moduleId":"mod-human","botTrainedModelId":"btm-3"}`

// exampleUserMessage is what the message webhook posts while the bot
// listens.
const exampleUserMessage = `{"interlocutor":"user","message":"Where is my order?","botId":"botdep-4711","userId":"web-user-42","sessionId":"sess-81"}`

// examplePost sends body to h as Certainly's Webhook Builder would, with
// the bearer token set there, and returns the status.
func examplePost(h http.Handler, body, token string) int {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/certainly", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// One handler serves both webhooks: the claim and the conversation's
// messages. It checks the credential set in the Webhook Builder before
// reading the body.
func ExampleNewWebhookHandler() {
	auth, err := webhookverify.BearerToken("the token set in the Webhook Builder")
	if err != nil {
		log.Fatal(err)
	}
	h, err := certainly.NewWebhookHandler(func(ctx context.Context, ev certainly.Event) error {
		switch ev := ev.(type) {
		case *certainly.Claim:
			fmt.Printf("claim: %s %s (user %s of bot %s) wants a human\n", ev.FirstName, ev.LastName, ev.To, ev.BotID)
		case *certainly.Message:
			fmt.Printf("message from the %s: %s\n", ev.Interlocutor, ev.Text)
		case *certainly.UnknownEvent:
			fmt.Println("unknown payload:", string(ev.Raw))
		}
		return nil
	}, certainly.WithAuthenticator(auth))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/certainly", h)

	fmt.Println(examplePost(mux, exampleClaim, "the token set in the Webhook Builder"))
	fmt.Println(examplePost(mux, exampleUserMessage, "the token set in the Webhook Builder"))
	fmt.Println(examplePost(mux, exampleUserMessage, "a guess"))
	fmt.Println(examplePost(mux, `{"botId":"botdep-4711"}`, "the token set in the Webhook Builder"))
	// Output:
	// claim: Ana Lind (user web-user-42 of bot botdep-4711) wants a human
	// 204
	// message from the user: Where is my order?
	// 204
	// 401
	// 400
}

// Certainly's Webhook Builder waits 5 seconds for an answer. A callback
// that talks to Certainly or to a slow desk hands the event to a worker and
// returns at once: the handler answers 204 as soon as the event is queued.
// The trade-off: Certainly no longer learns of a failure, so an accepted
// event is the program's to finish (retry it, or store the queue durably).
func Example_answerFast() {
	queue := make(chan certainly.Event, 100)
	var worker sync.WaitGroup
	var handled []string // what the worker did, printed once it is done
	worker.Add(1)
	go func() {
		defer worker.Done()
		for ev := range queue {
			// The slow part: here a Relay's Handle, Client.Handover, a desk API…
			if c, ok := ev.(*certainly.Claim); ok {
				handled = append(handled, "worker: handed over "+c.To)
			}
		}
	}()

	h, err := certainly.NewWebhookHandler(func(ctx context.Context, ev certainly.Event) error {
		select {
		case queue <- ev:
			return nil // 204 now; the worker does the rest
		default:
			return fmt.Errorf("queue full") // 500: Certainly's retry (if any) may find room
		}
	}, certainly.WithoutAuthentication()) // a private network in this example; use WithAuthenticator otherwise
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answered:", examplePost(h, exampleClaim, ""))
	close(queue)
	worker.Wait()
	fmt.Println(strings.Join(handled, "\n"))
	// Output:
	// answered: 204
	// worker: handed over web-user-42
}
