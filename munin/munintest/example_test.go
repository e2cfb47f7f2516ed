package munintest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/munin/munintest"
)

// A bot pushes a visitor's message to the fake Munin with a plain HTTP
// request, a human replies from the dashboard, and the bot's webhook
// receiver is told with conversation.message.sent by a "user".
func Example() {
	s, err := munintest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ch := s.Channel()

	// The bot's webhook receiver (any HTTP server; here one on loopback,
	// which the fake allows and real Munin does not).
	events := make(chan string, 10)
	receiver := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		events <- r.Header.Get("X-Munin-Event")
	})}
	hook := startExampleReceiver(receiver)
	defer receiver.Close()
	subscribe := fmt.Sprintf(`{"url":%q,"events":["conversation.message.sent"]}`, hook)
	do(s, "POST", "/v1/webhooks", s.AdminKey(), "", subscribe)

	// Push the visitor's message (munin-api-reference.md §2.2).
	pushBody := fmt.Sprintf(`{"channelId":%q,"sessionId":"vis_abc123","messages":[{"body":"Where is my order?","providerMessageId":"vis_abc123:1"}]}`, ch.ID)
	status, answer := do(s, "POST", "/v1/widget/messages", ch.WidgetKey, munintest.DefaultOrigin, pushBody)
	fmt.Println(status, answer["inserted"], answer["skipped"])

	// The same push again is skipped: providerMessageId is idempotent.
	status, answer = do(s, "POST", "/v1/widget/messages", ch.WidgetKey, munintest.DefaultOrigin, pushBody)
	fmt.Println(status, answer["inserted"], answer["skipped"])

	// A human answers in Munin's dashboard.
	conv, _ := s.ConversationBySession("vis_abc123")
	if _, err := s.Dashboard().Reply(conv.ID, "Hi, Sam here. It ships today."); err != nil {
		fmt.Println(err)
		return
	}
	if err := s.WaitDeliveries(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-events)

	// Output:
	// 201 1 0
	// 201 0 1
	// conversation.message.sent
}

// do sends a JSON request to the fake and decodes the JSON answer.
func do(s *munintest.Server, method, path, key, origin, body string) (int, map[string]any) {
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
