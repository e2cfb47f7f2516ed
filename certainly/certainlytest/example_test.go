package certainlytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// A third-party agent system in plain HTTP against the fake: the claim
// webhook arrives and the system hands the conversation over (the bot
// listens), the user's next message arrives on the message webhook, the
// agent answers, and the takeover gives the user back to the bot.
func Example() {
	var s *certainlytest.Server
	call := func(method, path, body string) int {
		req, _ := http.NewRequest(method, s.URL+"/webbot/api/webchat/4711"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "bearer "+s.Token())
		resp, err := s.Client().Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The agent system's webhook: on a claim, hand over; print messages.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	agentSystem := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "webhook-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		switch {
		case body["interlocutor"] == "user":
			fmt.Println("to the agent:", body["message"])
		case body["reply"] == "VarWebhook":
			fmt.Println("claim for", body["to"], "→ handover", call("GET", "/handover/"+body["to"].(string)+"/", ""))
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go agentSystem.Serve(ln)
	defer agentSystem.Close()

	hook := "http://" + ln.Addr().String()
	s, err = certainlytest.New(certainlytest.WithBotID("4711"),
		certainlytest.WithWebhooks(hook, hook, certainlytest.HeaderAuth("X-Api-Key", "webhook-key")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()

	r, _ := s.UserSays(ctx, "user-1", "Where is my order?")
	fmt.Println(r.Mode, "—", r.Text)
	if err := s.UserAsksForHuman(ctx, "user-1"); err != nil {
		fmt.Println(err)
	}
	r, _ = s.UserSays(ctx, "user-1", "Hello?")
	fmt.Println(r.Mode, "— the bot is quiet:", r.Text == "")
	fmt.Println("agent message", call("POST", "/handover/user-1/", `{"message":"Hello from Agent!"}`))
	fmt.Println("takeover", call("GET", "/takeover/user-1/?ClaimEnd=solved", ""))
	r, _ = s.UserSays(ctx, "user-1", "Thanks!")
	fmt.Println(r.Mode, "—", r.Text)

	u, _ := s.User("user-1")
	for _, m := range u.Transcript {
		fmt.Printf("%-5s %s\n", m.Interlocutor, m.Text)
	}
	// Output:
	// normal — Bot: you said Where is my order?
	// claim for user-1 → handover 200
	// to the agent: Hello?
	// listen — the bot is quiet: true
	// agent message 200
	// takeover 200
	// normal — Bot: you said Thanks!
	// user  Where is my order?
	// bot   Bot: you said Where is my order?
	// user  Hello?
	// agent Hello from Agent!
	// bot   Moving on to the next module: solved
	// user  Thanks!
	// bot   Bot: you said Thanks!
}
