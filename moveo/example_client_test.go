package moveo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/botbridge/botbridge/moveo"
)

// fakeMoveo plays the two Moveo routes the examples use. Its session
// "expired-session" has expired.
func fakeMoveo() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("Authorization") != "apikey my-moveo-key":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error_code":"unauthorized","error_message":"Unauthorized"}`)
		case strings.HasSuffix(r.URL.Path, "/sessions"):
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"request_id":"req-1","session_id":"3f2a9c4e-1b7d-4a8e-9f60-5c2b1d0e7a93","context":{}}`)
		case strings.Contains(r.URL.Path, "/expired-session/"):
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error_code":"session_not_found","error_message":"Session not found"}`)
		case strings.HasSuffix(r.URL.Path, "/messages"):
			var body struct {
				Input struct{ Text string } `json:"input"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `{"request_id":"req-%d"}`, len(body.Input.Text))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

// A custom channel opens a session for its user and forwards what the user
// says. Moveo's answer arrives later, as a message:brain_send webhook event.
func ExampleNewClient() {
	srv := fakeMoveo() // stands in for Moveo
	defer srv.Close()
	ctx := context.Background()

	client, err := moveo.NewClient("my-moveo-key", "7b0e2f8a-3c1d-4e5f-9a6b-0c1d2e3f4a5b",
		moveo.WithBaseURL(srv.URL)) // omit for Moveo itself
	if err != nil {
		log.Fatal(err)
	}
	session, err := client.CreateSession(ctx, moveo.CreateSessionRequest{
		ExternalSessionID: "chat-42",
		Context:           map[string]any{"user": map[string]any{"user_id": "user-789"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	requestID, err := client.SendMessage(ctx, session.SessionID, moveo.UserMessage{Text: "Where is my order?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("session:", session.SessionID)
	fmt.Println("accepted:", requestID)

	// An expired session is ErrSessionNotFound: start a new one.
	_, err = client.SendMessage(ctx, "expired-session", moveo.UserMessage{Text: "Hello?"})
	fmt.Println("expired:", errors.Is(err, moveo.ErrSessionNotFound))
	// Output:
	// session: 3f2a9c4e-1b7d-4a8e-9f60-5c2b1d0e7a93
	// accepted: req-18
	// expired: true
}

// SendMessageOrRenew replaces an expired session and sends the message
// there; the caller stores the new session id.
func ExampleClient_SendMessageOrRenew() {
	srv := fakeMoveo()
	defer srv.Close()

	client, err := moveo.NewClient("my-moveo-key", "7b0e2f8a-3c1d-4e5f-9a6b-0c1d2e3f4a5b", moveo.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	sent, err := client.SendMessageOrRenew(context.Background(), "expired-session",
		moveo.UserMessage{Text: "Hello?"},
		moveo.CreateSessionRequest{ExternalSessionID: "chat-42"})
	if err != nil {
		log.Fatal(err)
	}
	if sent.Renewed != nil {
		fmt.Println("new session:", sent.SessionID)
	}
	fmt.Println("accepted:", sent.RequestID)
	// Output:
	// new session: 3f2a9c4e-1b7d-4a8e-9f60-5c2b1d0e7a93
	// accepted: req-6
}

// Errors from Moveo are *moveo.APIError, with Moveo's error_code in Code.
func ExampleAPIError() {
	srv := fakeMoveo()
	defer srv.Close()

	client, err := moveo.NewClient("a-revoked-key", "7b0e2f8a-3c1d-4e5f-9a6b-0c1d2e3f4a5b", moveo.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	err = client.MarkRead(context.Background(), "3f2a9c4e-1b7d-4a8e-9f60-5c2b1d0e7a93")
	var apiErr *moveo.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, errors.Is(err, moveo.ErrUnauthorized))
	}
	// Output:
	// 401 unauthorized true
}
