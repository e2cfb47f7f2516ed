// Command quickstart shows botbridge's webhook verification end to end, over
// real HTTP on 127.0.0.1, with nothing but Go: a Munin-style delivery is
// signed the way Munin signs it, sent to a handler behind
// webhookverify.Middleware, accepted, and then a tampered copy and an
// unsigned one are refused.
//
// The full Munin escalation story (visitor, bot, human, grace period) will
// take this program's place once the munin and handoff packages land.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/botbridge/botbridge/webhookverify"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demoSecret has the shape of a Munin webhook secret: "whsec_" and 32
// base64url characters. Munin keys the HMAC with the whole string.
const demoSecret = "whsec_quickstart-demo-secret-0000000000"

// delivery is a conversation.message.sent delivery as Munin sends it:
// compact JSON, envelope keys in this order (munin-api-reference.md §3.2).
const delivery = `{"type":"conversation.message.sent","id":"evt_01quickstart","orgId":"org_demo",` +
	`"correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z","payload":{"internal":false,` +
	`"messageId":"msg_42","authorType":"user","conversationId":"conv_7"}}`

// event is the part of a delivery the demo handler reads.
type event struct {
	Type    string `json:"type"`
	Payload struct {
		ConversationID string `json:"conversationId"`
		AuthorType     string `json:"authorType"`
	} `json:"payload"`
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected, got %q", args)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	verifier, err := webhookverify.NewVerifier([][]byte{[]byte(demoSecret)})
	if err != nil {
		return err
	}

	// The bot's webhook endpoint: the middleware checks X-Munin-Signature
	// over the raw bytes before the handler sees anything.
	received := make(chan event, 1)
	endpoint := webhookverify.Middleware(verifier, "X-Munin-Signature")(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev event
			if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
				http.Error(w, "bad JSON", http.StatusBadRequest)
				return
			}
			received <- ev
			w.WriteHeader(http.StatusNoContent)
		}))
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/munin", endpoint)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/webhooks/munin"
	fmt.Fprintf(stdout, "bot listening for webhooks at %s\n\n", url)

	send := func(label string, body []byte, signature string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		if signature != "" {
			req.Header.Set("X-Munin-Signature", signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", label, err)
		}
		resp.Body.Close()
		fmt.Fprintf(stdout, "%-34s → %d %s\n", label, resp.StatusCode, http.StatusText(resp.StatusCode))
		return resp.StatusCode, nil
	}

	body := []byte(delivery)
	signature := webhookverify.Sign([]byte(demoSecret), body)
	fmt.Fprintln(stdout, "Munin signs the raw body: X-Munin-Signature: sha256=<64 hex>")

	status, err := send("signed delivery", body, signature)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent {
		return fmt.Errorf("signed delivery: want 204, got %d", status)
	}
	select {
	case ev := <-received:
		fmt.Fprintf(stdout, "  handler got %s: conversation %s, author %s\n",
			ev.Type, ev.Payload.ConversationID, ev.Payload.AuthorType)
	case <-ctx.Done():
		return ctx.Err()
	}

	tampered := bytes.Replace(body, []byte(`"authorType":"user"`), []byte(`"authorType":"agent"`), 1)
	for _, bad := range []struct {
		label     string
		body      []byte
		signature string
	}{
		{"tampered body, original signature", tampered, signature},
		{"no signature header", body, ""},
		{"signature from another secret", body, webhookverify.Sign([]byte("whsec_not-the-secret"), body)},
	} {
		status, err := send(bad.label, bad.body, bad.signature)
		if err != nil {
			return err
		}
		if status != http.StatusUnauthorized {
			return fmt.Errorf("%s: want 401, got %d", bad.label, status)
		}
	}
	select {
	case ev := <-received:
		return errors.New("the handler ran for a refused request: " + ev.Type)
	default:
	}
	fmt.Fprintln(stdout, "\nOK: only the genuine delivery reached the handler.")
	return nil
}
