package moveotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

// A channel opens a session with plain HTTP, sends the user's message, and
// its webhook receives the brain's answer as a signed message:brain_send.
func Example() {
	// The channel's webhook receiver (any HTTP server on loopback).
	bodies := make(chan []byte, 10)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	receiver := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Moveo-Signature") == moveotest.Sign("s3cret", b) {
			bodies <- b
		}
	})}
	go receiver.Serve(ln)
	defer receiver.Close()

	s, err := moveotest.New(moveotest.WithWebhook("http://"+ln.Addr().String(), "s3cret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	base := s.URL + "/v1/custom/" + s.IntegrationID() + "/sessions"

	status, session := post(s, base, `{"external_session_id":"chat-42"}`)
	fmt.Println(status)
	status, _ = post(s, base+"/"+session["session_id"].(string)+"/messages", `{"input":{"text":"Where is my order?"}}`)
	fmt.Println(status)

	if err := s.WaitDeliveries(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	var ev struct {
		EventType         string `json:"event_type"`
		ExternalSessionID string `json:"external_session_id"`
		Output            struct {
			Responses []struct{ Type, Text string }
		}
	}
	json.Unmarshal(<-bodies, &ev)
	fmt.Println(ev.EventType, ev.ExternalSessionID, ev.Output.Responses[0].Type, ev.Output.Responses[0].Text)

	// Output:
	// 201
	// 202
	// message:brain_send chat-42 text Where is my order?
}

// post sends a JSON body with the integration's key and decodes the answer.
func post(s *moveotest.Server, url, body string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "apikey "+s.APIKey())
	resp, err := s.Client().Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
