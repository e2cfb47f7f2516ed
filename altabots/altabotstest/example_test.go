package altabotstest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/webhookverify"
)

// printingDesk is the desk under test: it prints what AltaBots tells it.
type printingDesk struct{}

func (printingDesk) Establish(_ context.Context, req *altabots.EstablishRequest) error {
	fmt.Printf("desk: %s asks for a human after %q\n", req.Email, req.Body[0].Text)
	return nil
}

func (printingDesk) Chat(_ context.Context, req *altabots.ChatRequest) error {
	fmt.Println("desk: user says", req.Body)
	return nil
}

func (printingDesk) Close(_ context.Context, req *altabots.CloseRequest) error {
	fmt.Println("desk: closed,", req.Type)
	return nil
}

// A desk built with altabots.NewHandler and altabots.NewClient, tested
// against the fake: the fake hands a conversation over, the handler's
// automatic reply beats AltaBots' 60-second deadline on the shared fake
// clock, the user and the desk talk, and the user closes.
func Example() {
	ctx := context.Background()
	clock := altabotstest.NewClock(time.Date(2025, 3, 18, 2, 31, 30, 0, time.UTC))

	// The desk's endpoint, serving the handler once it is built.
	var handler http.Handler
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	defer endpoint.Close()

	fake, err := altabotstest.New(altabotstest.WithClock(clock),
		altabotstest.WithDesk(endpoint.URL, func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer desk-secret")
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	client, err := altabots.NewClient(fake.APIKey(), altabots.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	auth, err := webhookverify.BearerToken("desk-secret")
	if err != nil {
		log.Fatal(err)
	}
	h, err := altabots.NewHandler(printingDesk{}, altabots.WithAuthenticator(auth), altabots.WithClock(clock),
		altabots.WithAutoReply(client, "Thanks for waiting, an agent is on the way.", 45*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	handler = h

	conv, err := fake.Escalate(ctx, altabotstest.User{Email: "bob@gmail.com"},
		altabots.Message{Text: "human service", Type: altabots.Question})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("AltaBots:", conv.State, "until", conv.Deadline.Format(time.TimeOnly))

	clock.Advance(45 * time.Second) // nobody at the desk answered
	replies, err := fake.WaitReplies(ctx, conv.ID, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("AltaBots: reply at", replies[0].At.Format(time.TimeOnly)+":", replies[0].Body)

	if err := fake.UserSays(ctx, conv.ID, "My order never arrived."); err != nil {
		log.Fatal(err)
	}
	if err := client.SendMessage(ctx, conv.ID, "I'm Dana, let me look."); err != nil {
		log.Fatal(err)
	}
	if err := fake.UserCloses(ctx, conv.ID); err != nil {
		log.Fatal(err)
	}
	got, _ := fake.Conversation(conv.ID)
	fmt.Println("AltaBots:", got.State, got.CloseReason, len(got.Replies), "replies")

	// Output:
	// desk: bob@gmail.com asks for a human after "human service"
	// AltaBots: waiting_first_reply until 02:32:30
	// AltaBots: reply at 02:32:15: Thanks for waiting, an agent is on the way.
	// desk: user says My order never arrived.
	// desk: closed, USER_CLOSED
	// AltaBots: closed USER_CLOSED 2 replies
}

// A desk that accepts a conversation and never replies: once the fake's
// clock passes the 60-second waiting time, the fake ends the handoff and
// tells the desk with a TIMEOUT close.
func ExampleServer_WaitClosed() {
	ctx := context.Background()
	clock := altabotstest.NewClock(time.Date(2025, 3, 18, 2, 31, 30, 0, time.UTC))
	h, err := altabots.NewHandler(printingDesk{}, altabots.WithoutAuthentication())
	if err != nil {
		log.Fatal(err)
	}
	endpoint := httptest.NewServer(h)
	defer endpoint.Close()
	fake, err := altabotstest.New(altabotstest.WithClock(clock), altabotstest.WithDesk(endpoint.URL, nil))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	conv, err := fake.Escalate(ctx, altabotstest.User{Email: "bob@gmail.com"},
		altabots.Message{Text: "human service", Type: altabots.Question})
	if err != nil {
		log.Fatal(err)
	}
	clock.Advance(61 * time.Second)
	ended, err := fake.WaitClosed(ctx, conv.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("AltaBots:", ended.State, ended.CloseReason, "at", ended.EndedAt.Format(time.TimeOnly))

	// Output:
	// desk: bob@gmail.com asks for a human after "human service"
	// desk: closed, TIMEOUT
	// AltaBots: ended_no_reply no_reply at 02:32:30
}
