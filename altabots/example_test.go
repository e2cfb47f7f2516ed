package altabots_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/webhookverify"
)

// printDesk is a desk that prints what AltaBots hands it.
type printDesk struct{}

func (printDesk) Establish(_ context.Context, req *altabots.EstablishRequest) error {
	fmt.Printf("handoff %s from agent %s, user %s\n", req.ConversationID, req.BotID, req.UserInfo.Email)
	for _, m := range req.Body {
		fmt.Printf("  %s: %q\n", m.Type, m.Text)
	}
	return nil // 200: the desk accepts the conversation
}

func (printDesk) Chat(_ context.Context, req *altabots.ChatRequest) error {
	fmt.Printf("user wrote: %s\n", req.Body)
	return nil
}

func (printDesk) Close(_ context.Context, req *altabots.CloseRequest) error {
	fmt.Printf("closed: %s\n", req.Type)
	return nil
}

// The desk serves AltaBots' three calls, checking the bearer token set in
// the agent's webhook settings. Here AltaBots is played by http.Post with
// the handoff page's example body.
func ExampleNewHandler() {
	auth, err := webhookverify.BearerToken("the token in AltaBots' webhook settings")
	if err != nil {
		log.Fatal(err)
	}
	h, err := altabots.NewHandler(printDesk{}, altabots.WithAuthenticator(auth))
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h) // the desk's public URL
	defer srv.Close()

	post := func(path, body string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer the token in AltaBots' webhook settings")
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(answer))
	}
	post("/conversation/establish", `{
	  "body": [{"text": "human service", "message_type": "QUESTION"}, {"text": "", "message_type": "ANSWER"}],
	  "timestamp": 1742265090895,
	  "email": "bob@gmail.com",
	  "conversation_id": "67d8db020fa31d1ef64f53dg",
	  "bot_id": "665d88b03ce2b13cf2d573454",
	  "user_info": {"phone": null, "email": "bob@gmail.com", "user_id": "KDslas", "anonymous_id": "652face5184b30540a6ea7fe"}
	}`)
	post("/chat", `{"conversation_id": "67d8db020fa31d1ef64f53dg", "timestamp": 1742265150895, "body": "My order never arrived."}`)
	post("/conversation/close", `{"conversation_id": "67d8db020fa31d1ef64f53dg", "timestamp": 1742265390895, "type": "LEFT"}`)
	post("/conversation/close", `{"conversation_id": "67d8db020fa31d1ef64f53dg", "timestamp": 1742265390895, "type": "USER_CLOSED"}`)
	// Output:
	// handoff 67d8db020fa31d1ef64f53dg from agent 665d88b03ce2b13cf2d573454, user bob@gmail.com
	//   QUESTION: "human service"
	//   ANSWER: ""
	// 200 {"code":0,"message":"success"}
	// user wrote: My order never arrived.
	// 200 {"code":0,"message":"success"}
	// 400 {"code":40000,"message":"type must be TIMEOUT or USER_CLOSED"}
	// closed: USER_CLOSED
	// 200 {"code":0,"message":"success"}
}

// fakeAltaBots plays AltaBots' two routes. The conversation "gone" belongs
// to a deleted agent: AltaBots says so with HTTP 200 and code 40378.
func fakeAltaBots() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ConversationID string `json:"conversation_id"`
			Body           string `json:"body"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("Authorization") != "Bearer my-altabots-key":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"code":40127,"message":"authentication failed"}`)
		case body.ConversationID == "gone":
			fmt.Fprint(w, `{"code":40378,"message":"agent deleted"}`)
		default:
			fmt.Printf("AltaBots got %s for %s\n", r.URL.Path, body.ConversationID)
			fmt.Fprint(w, `{"code":0,"message":"success"}`)
		}
	}))
}

// The desk replies to the user and closes the conversation through
// AltaBots' API. A failure AltaBots reports in a 200 is an error too.
func ExampleNewClient() {
	srv := fakeAltaBots() // stands in for AltaBots
	defer srv.Close()
	ctx := context.Background()

	client, err := altabots.NewClient("my-altabots-key",
		altabots.WithBaseURL(srv.URL)) // omit for AltaBots; altabots.GPTBotsBaseURL for GPTBots
	if err != nil {
		log.Fatal(err)
	}
	if err := client.SendMessage(ctx, "67d8db020fa31d1ef64f53dg", "Hi, I'm Dana. Let me look into your order."); err != nil {
		log.Fatal(err)
	}
	if err := client.Close(ctx, "67d8db020fa31d1ef64f53dg"); err != nil {
		log.Fatal(err)
	}

	err = client.SendMessage(ctx, "gone", "Hello?")
	var apiErr *altabots.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, errors.Is(err, altabots.ErrAgentDeleted))
	}
	fmt.Println("key printed:", strings.Contains(fmt.Sprintf("%+v", client), "my-altabots-key"))
	// Output:
	// AltaBots got /v1/human/message/receive for 67d8db020fa31d1ef64f53dg
	// AltaBots got /v1/human/close for 67d8db020fa31d1ef64f53dg
	// 403 40378 true
	// key printed: false
}

// slowDesk accepts conversations but takes its time to answer them.
type slowDesk struct{ printDesk }

func (slowDesk) Establish(_ context.Context, req *altabots.EstablishRequest) error {
	fmt.Println("desk: accepted", req.ConversationID, "- looking for a free agent")
	return nil
}

// AltaBots ends a handoff when the desk sends no reply within 60 seconds
// of accepting it. WithAutoReply answers for a slow desk after 45 seconds.
// A fake clock stands in for the wait; with the real one, leave WithClock
// out.
func ExampleWithAutoReply() {
	srv := fakeAltaBots() // stands in for AltaBots' API
	defer srv.Close()
	client, err := altabots.NewClient("my-altabots-key", altabots.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	clock := altabotstest.NewClock(time.Date(2025, 3, 18, 2, 31, 30, 0, time.UTC))
	replied := make(chan error, 1)
	h, err := altabots.NewHandler(slowDesk{},
		altabots.WithoutAuthentication(), // for the example only: check AltaBots' credential
		altabots.WithClock(clock),
		altabots.WithAutoReply(client, "Thanks for waiting — an agent will be with you shortly.", 45*time.Second),
		altabots.WithHooks(altabots.Hooks{AutoReplied: func(conversationID string, err error) { replied <- err }}))
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()

	// AltaBots hands a conversation over.
	req := httptest.NewRequest(http.MethodPost, "/conversation/establish",
		strings.NewReader(`{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265090895}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	clock.Advance(45 * time.Second) // no agent has replied yet
	fmt.Println("automatic reply error:", <-replied)
	// Output:
	// desk: accepted 67d8db020fa31d1ef64f53dg - looking for a free agent
	// 200 {"code":0,"message":"success"}
	// AltaBots got /v1/human/message/receive for 67d8db020fa31d1ef64f53dg
	// automatic reply error: <nil>
}

// An establish the desk accepts hands the conversation to a human; a close
// hands it back. HandoffEvents says so in handoff.Controller's terms.
func ExampleHandoffEvents() {
	req, err := altabots.ParseEstablish([]byte(`{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265090895,"bot_id":"665d88b03ce2b13cf2d573454"}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range altabots.HandoffEvents(req) {
		fmt.Println(ev.Kind, ev.Actor, ev.OccurredAt.Format("15:04:05.000"), ev.Meta[altabots.MetaBotID])
	}
	cl, err := altabots.ParseClose([]byte(`{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265390895,"type":"TIMEOUT"}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range altabots.HandoffEvents(cl) {
		fmt.Println(ev.Kind, ev.Actor, ev.Meta[altabots.MetaReason])
	}
	// Output:
	// handoff requested altabots 02:31:30.895 665d88b03ce2b13cf2d573454
	// human joined desk 02:31:30.895 665d88b03ce2b13cf2d573454
	// closed altabots TIMEOUT
}
