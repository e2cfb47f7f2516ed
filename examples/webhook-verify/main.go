// Command webhook-verify is the smallest net/http program that verifies
// signed webhooks, once for each signature scheme botbridge knows:
//
//	Munin  X-Munin-Signature: sha256=<hex HMAC-SHA256 of the raw body>
//	Moveo  X-Moveo-Signature: <hex HMAC-SHA256 of the raw body>
//
// Both are webhookverify.Middleware in front of an ordinary handler: the
// middleware reads the raw body (capped), checks the header against every
// secret in constant time, and answers 401 before the handler runs when it
// does not match. The handler reads the same bytes as if nothing happened.
//
// Run offline, it serves both endpoints on 127.0.0.1, sends each a genuine
// delivery and three forged ones, and prints what came through:
//
//	go run ./examples/webhook-verify
//
// With -serve it keeps serving, with the secrets from the environment, so
// that examples/mockserver -send or the vendor itself can deliver to it:
//
//	MUNIN_WEBHOOK_SECRET=whsec_… MOVEO_WEBHOOK_SECRET=… go run ./examples/webhook-verify -serve -addr 127.0.0.1:8080
//
// The vendor packages' own handlers (munin.NewWebhookHandler,
// moveo.NewWebhookHandler) do the same check and then parse typed events,
// refuse replays and drop duplicates; use them in a bot. AltaBots and
// Certainly sign nothing: their calls carry a credential, which
// webhookverify.Authenticator checks (see examples/altabots-desk).
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/webhookverify"
)

func main() { demo.Main("webhook-verify", run) }

// A scheme is one vendor's way of signing a webhook.
type scheme struct {
	vendor, path, header, secretEnv string
	encoding                        webhookverify.Encoding
}

var schemes = []scheme{
	{"Munin", "/webhooks/munin", "X-Munin-Signature", "MUNIN_WEBHOOK_SECRET", webhookverify.PrefixedHex},
	{"Moveo", "/webhooks/moveo", "X-Moveo-Signature", "MOVEO_WEBHOOK_SECRET", webhookverify.BareHex},
}

// endpoint is the whole point: a verifier built once from the secret, and
// its middleware in front of the handler.
func endpoint(s scheme, secret string, handler http.Handler) (http.Handler, error) {
	// Several secrets may be given: during a rotation both verify.
	v, err := webhookverify.NewVerifier([][]byte{[]byte(secret)}, webhookverify.WithEncoding(s.encoding))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.vendor, err) // an empty secret is an error, never "verify nothing"
	}
	return webhookverify.Middleware(v, s.header)(handler), nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("webhook-verify", "Verifies Munin's and Moveo's signed webhooks in a net/http handler.\n"+
		"Offline it sends itself genuine and forged deliveries; with -serve it serves until Ctrl-C,\n"+
		"with the secrets from MUNIN_WEBHOOK_SECRET and MOVEO_WEBHOOK_SECRET (never from flags).", stderr)
	serve := fs.Bool("serve", false, "serve until Ctrl-C with the secrets from the environment")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, the address to listen on")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	if *serve {
		return serveForever(ctx, *addr, stdout)
	}
	return selfTest(ctx, stdout)
}

// serveForever serves every scheme whose secret is in the environment and
// prints each verified delivery.
func serveForever(ctx context.Context, addr string, stdout io.Writer) error {
	t := demo.NewTranscript(stdout)
	mux := http.NewServeMux()
	var served []scheme
	for _, s := range schemes {
		secret, err := demo.Secret(s.secretEnv)
		if err != nil {
			t.Printf("%s: not served, %v\n", s.vendor, err)
			continue
		}
		h, err := endpoint(s, secret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body) // the verified bytes, already read by the middleware
			t.Printf("%s: verified delivery, %d bytes: %.120s\n", s.vendor, len(body), body)
			w.WriteHeader(http.StatusNoContent)
		}))
		if err != nil {
			return err
		}
		mux.Handle("POST "+s.path, h)
		served = append(served, s)
	}
	if len(served) == 0 {
		return errors.New("no secret set: export MUNIN_WEBHOOK_SECRET or MOVEO_WEBHOOK_SECRET")
	}
	srv, err := demo.Serve(ctx, addr, mux)
	if err != nil {
		return err
	}
	for _, s := range served {
		t.Printf("%s webhooks: POST %s%s (%s)\n", s.vendor, srv.URL, s.path, s.header)
	}
	t.Printf("serving until Ctrl-C\n")
	<-srv.Done()
	return srv.Close()
}

// selfTest serves both schemes with demo secrets and sends each a genuine
// delivery and three forgeries. It fails unless exactly the genuine ones
// reached the handler.
func selfTest(ctx context.Context, stdout io.Writer) error {
	t := demo.NewTranscript(stdout)
	const demoSecret = "whsec_webhook-verify-demo-secret-00000"
	var reached atomic.Int32
	mux := http.NewServeMux()
	for _, s := range schemes {
		h, err := endpoint(s, demoSecret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		if err != nil {
			return err
		}
		mux.Handle("POST "+s.path, h)
	}
	srv, err := demo.Serve(ctx, "", mux)
	if err != nil {
		return err
	}
	defer srv.Close()

	body := []byte(`{"type":"conversation.message.sent","payload":{"authorType":"user","conversationId":"conv_7"}}`)
	forged := bytes.Replace(body, []byte(`"user"`), []byte(`"agent"`), 1)
	for _, s := range schemes {
		sign := func(secret string, b []byte) string {
			sig := webhookverify.Sign([]byte(secret), b) // "sha256=<hex>"
			if s.encoding == webhookverify.BareHex {
				sig = strings.TrimPrefix(sig, "sha256=")
			}
			return sig
		}
		t.Printf("\n%s: POST %s%s, %s\n", s.vendor, srv.URL, s.path, s.header)
		for _, c := range []struct {
			what      string
			body      []byte
			signature string
			want      int
		}{
			{"genuine delivery", body, sign(demoSecret, body), http.StatusNoContent},
			{"body changed after signing", forged, sign(demoSecret, body), http.StatusUnauthorized},
			{"no signature header", body, "", http.StatusUnauthorized},
			{"signed with another secret", body, sign("whsec_someone-else-entirely-000000", body), http.StatusUnauthorized},
		} {
			before := reached.Load()
			status, err := post(ctx, srv.URL+s.path, s.header, c.signature, c.body)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", s.vendor, c.what, err)
			}
			verdict := "refused before the handler"
			got := reached.Load() > before
			if got {
				verdict = "reached the handler"
			}
			t.Printf("  %-28s → %d %s, %s\n", c.what, status, http.StatusText(status), verdict)
			if status != c.want || got != (c.want == http.StatusNoContent) {
				return fmt.Errorf("%s, %s: got %d, want %d", s.vendor, c.what, status, c.want)
			}
		}
	}
	t.Printf("\nOK: only the genuine deliveries reached the handlers.\n")
	return nil
}

// post sends body with the signature header, as the vendor would.
func post(ctx context.Context, url, header, signature string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(header, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
