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
// delivery and three forged ones, and prints what came through; it exits
// non-zero if any of them was not treated as it should be:
//
//	go run ./examples/webhook-verify
//
// With -serve it keeps serving, with the secrets from the environment (never
// from flags, which land in shell history), so that examples/mockserver -send
// or the vendor itself can deliver to it:
//
//	export MUNIN_WEBHOOK_SECRET=whsec_…  MOVEO_WEBHOOK_SECRET=…
//	go run ./examples/webhook-verify -serve -addr 127.0.0.1:8080
//
// AltaBots and Certainly sign nothing: their calls carry a credential, which
// webhookverify.Authenticator checks (see examples/certainly-relay).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/webhookverify"
)

func main() { demo.Main("webhook-verify", run) }

// A scheme is one vendor's way of signing a webhook.
type scheme struct {
	vendor, path, header, secretEnv string
	encoding                        webhookverify.Encoding
	// sample is a delivery as the vendor's docs show it, and forge the
	// change an attacker would like to make to it.
	sample string
	forge  [2]string
}

var schemes = []scheme{{
	vendor: "Munin", path: "/webhooks/munin", header: "X-Munin-Signature", secretEnv: "MUNIN_WEBHOOK_SECRET",
	encoding: webhookverify.PrefixedHex,
	sample: `{"type":"conversation.message.sent","id":"evt_demo1","orgId":"org_demo","correlationId":null,` +
		`"createdAt":"2026-11-22T10:00:00.000Z","payload":{"conversationId":"conv_7","messageId":"msg_9","authorType":"user","internal":false}}`,
	forge: [2]string{`"authorType":"user"`, `"authorType":"agent"`},
}, {
	vendor: "Moveo", path: "/webhooks/moveo", header: "X-Moveo-Signature", secretEnv: "MOVEO_WEBHOOK_SECRET",
	encoding: webhookverify.BareHex,
	sample: `{"event_type":"message:send","request_id":"req-456","session_id":"sess-456","timestamp":1795831200000,` +
		`"from":{"agent_id":"agent-123","agent_name":"Sarah Johnson"},"body":{"text":"Hi! I'm Sarah from support."}}`,
	forge: [2]string{`Hi! I'm Sarah from support.`, `Please send me your password.`},
}}

// endpoint is the whole point: a verifier built once from the secret, and
// its middleware in front of the handler.
//
// This is the raw way, chosen here because it is the scheme and nothing
// else. A bot should use its vendor's handler instead
// (munin.NewWebhookHandler, moveo.NewWebhookHandler): it runs this same
// check first, then parses typed events, refuses replays (the event's
// createdAt / timestamp) and drops the duplicates the vendors' retries make.
func endpoint(s scheme, secret string, handler http.Handler) (http.Handler, error) {
	// Several secrets may be given: during a rotation both verify.
	v, err := webhookverify.NewVerifier([][]byte{[]byte(secret)}, webhookverify.WithEncoding(s.encoding))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.vendor, err) // an empty secret is an error, never "verify nothing"
	}
	return webhookverify.Middleware(v, s.header)(handler), nil
}

// eventType is what the handler does with the verified bytes: only now is
// it safe to decode them.
func eventType(r *http.Request) (string, int) {
	body, _ := io.ReadAll(r.Body) // the verified bytes, already read (and capped) by the middleware
	var ev struct {
		Munin string `json:"type"`
		Moveo string `json:"event_type"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return "(not JSON)", len(body)
	}
	return ev.Munin + ev.Moveo, len(body)
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
	if err := demo.CheckModes(fs, *serve, "addr"); err != nil {
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
			t.Printf("%s: not served: %v\n", s.vendor, err)
			continue
		}
		h, err := endpoint(s, secret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			typ, n := eventType(r)
			t.Printf("%s: verified delivery %q, %d bytes\n", s.vendor, typ, n)
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

// selfTest serves both schemes with a demo secret and sends each a genuine
// delivery and three forgeries. It fails unless exactly the genuine ones
// reached the handler.
func selfTest(ctx context.Context, stdout io.Writer) error {
	t := demo.NewTranscript(stdout)
	const demoSecret = "whsec_webhook-verify-demo-secret-00000"

	// saw is what the handler read from the last request that reached it.
	var (
		mu  sync.Mutex
		saw string
	)
	mux := http.NewServeMux()
	for _, s := range schemes {
		h, err := endpoint(s, demoSecret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			typ, n := eventType(r)
			mu.Lock()
			saw = fmt.Sprintf("the handler read %q, %d bytes", typ, n)
			mu.Unlock()
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
	t.Printf("Both endpoints are served on %s with a demo secret; each gets a genuine delivery and three forgeries.\n", srv.URL)

	for _, s := range schemes {
		// sign signs as the vendor does. Moveo's header is Munin's without
		// the "sha256=" (moveotest.Sign does the same).
		sign := func(secret string, b []byte) string {
			sig := webhookverify.Sign([]byte(secret), b)
			if s.encoding == webhookverify.BareHex {
				sig = strings.TrimPrefix(sig, "sha256=")
			}
			return sig
		}
		body := []byte(s.sample)
		forged := bytes.Replace(body, []byte(s.forge[0]), []byte(s.forge[1]), 1)
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
			mu.Lock()
			saw = ""
			mu.Unlock()
			status, err := post(ctx, srv.URL+s.path, s.header, c.signature, c.body)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", s.vendor, c.what, err)
			}
			mu.Lock()
			result := saw
			mu.Unlock()
			reached := result != ""
			if !reached {
				result = "the handler never ran"
			}
			t.Printf("  %-27s → %d %s; %s\n", c.what, status, http.StatusText(status), result)
			if status != c.want || reached != (c.want == http.StatusNoContent) {
				return fmt.Errorf("%s, %s: got %d (%s), want %d", s.vendor, c.what, status, result, c.want)
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
