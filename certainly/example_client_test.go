package certainly_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/botbridge/botbridge/certainly"
)

// exampleCertainly stands in for Certainly: it prints each call and
// answers 200, or 401 without the bot's token and 404 for the bot
// "retired-bot".
func exampleCertainly() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "bearer my-bot-token":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"detail":"Authentication credentials were not provided."}`)
			return
		case strings.Contains(r.URL.Path, "/retired-bot/"):
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"Not found."}`)
			return
		}
		line := "certainly: " + r.Method + " " + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			line += "?" + r.URL.RawQuery
		}
		if body, _ := io.ReadAll(r.Body); len(body) > 0 {
			line += " " + string(body)
		}
		fmt.Println(line)
		if strings.HasSuffix(r.URL.Path, "/config/") {
			fmt.Fprint(w, `{"styles":{"primaryColor":"#0a7c59"},"persistent_menu":[]}`)
		}
	}))
}

// A third-party agent system takes a conversation over from the bot,
// answers the user as a human, and gives the conversation back.
func ExampleNewClient() {
	srv := exampleCertainly() // stands in for https://app.certainly.io
	defer srv.Close()
	ctx := context.Background()

	client, err := certainly.NewClient("my-bot-token", certainly.WithBaseURL(srv.URL)) // omit WithBaseURL for Certainly itself
	if err != nil {
		log.Fatal(err)
	}
	const bot, user = "botdep-4711", "web-user/42" // ids are escaped into the path
	if err := client.Handover(ctx, bot, user); err != nil {
		log.Fatal(err)
	}
	if err := client.SendMessage(ctx, bot, user, "Hello from Agent!"); err != nil {
		log.Fatal(err)
	}
	if err := client.Takeover(ctx, bot, user, certainly.TakeoverOptions{ClaimEnd: "satisfaction-survey"}); err != nil {
		log.Fatal(err)
	}
	cfg, err := client.Config(ctx, bot)
	if err != nil {
		log.Fatal(err)
	}
	styles, _ := cfg.Field("styles")
	fmt.Println("styles:", string(styles))
	// Output:
	// certainly: GET /webbot/api/webchat/botdep-4711/handover/web-user%2F42/
	// certainly: POST /webbot/api/webchat/botdep-4711/handover/web-user%2F42/ {"message":"Hello from Agent!"}
	// certainly: GET /webbot/api/webchat/botdep-4711/takeover/web-user%2F42/?ClaimEnd=satisfaction-survey
	// certainly: GET /webbot/api/webchat/botdep-4711/config/
	// styles: {"primaryColor":"#0a7c59"}
}

// Errors from Certainly are *certainly.APIError; errors.Is matches their
// kind. Input the SDK refuses before sending matches ErrValidation.
func ExampleAPIError() {
	srv := exampleCertainly()
	defer srv.Close()
	ctx := context.Background()
	client, err := certainly.NewClient("my-bot-token", certainly.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	err = client.Handover(ctx, "retired-bot", "web-user-42")
	var apiErr *certainly.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, errors.Is(err, certainly.ErrNotFound))
	}

	err = client.SendMessage(ctx, "botdep-4711", "web-user-42", "  ")
	fmt.Println(err, errors.Is(err, certainly.ErrValidation))
	// Output:
	// 404 Not found. true
	// certainly: SendMessage: text: empty true
}
