package webhookverify_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/botbridge/botbridge/webhookverify"
)

// The whole flow with GitHub's documented example: sign a body, verify it, then see a tampered body
// refused.
func Example() {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")

	signature := webhookverify.Sign(secret, body)
	fmt.Println(signature)
	fmt.Println(webhookverify.Verify(secret, body, signature))

	tampered := []byte("Hello, World?")
	err := webhookverify.Verify(secret, tampered, signature)
	fmt.Println(err)
	fmt.Println(errors.Is(err, webhookverify.ErrSignatureMismatch))
	// Output:
	// sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
	// <nil>
	// webhookverify: signature mismatch
	// true
}

// Rotating a Munin webhook secret: while the switch-over lasts, the Verifier holds the new secret
// first and the old one after it, and accepts deliveries signed with either.
func ExampleNewVerifier() {
	oldSecret := []byte("whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA")
	newSecret := []byte("whsec_b1t-Ro7aTEdBBBBBBBBBBBBBBBBBBBBB")
	v, err := webhookverify.NewVerifier([][]byte{newSecret, oldSecret})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"type":"conversation.created","id":"evt_1","orgId":"org_1","correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z","payload":{"conversationId":"cnv_1","displayId":1,"channelId":"chn_1"}}`)

	fmt.Println("signed with the new secret:", v.Verify(body, webhookverify.Sign(newSecret, body)))
	fmt.Println("signed with the old secret:", v.Verify(body, webhookverify.Sign(oldSecret, body)))
	fmt.Println("signed with another secret:", v.Verify(body, webhookverify.Sign([]byte("whsec_someone-else"), body)))
	fmt.Println(v)

	_, err = webhookverify.NewVerifier([][]byte{newSecret, []byte("")})
	fmt.Println(err)
	// Output:
	// signed with the new secret: <nil>
	// signed with the old secret: <nil>
	// signed with another secret: webhookverify: signature mismatch
	// webhookverify.Verifier{encoding: sha256=hex, secrets: 2}
	// webhookverify: empty secret
}

// A Munin webhook endpoint: only verified deliveries reach the handler, which reads the exact raw
// bytes; everything else gets a bare 401 or 413.
func ExampleMiddleware() {
	v, err := webhookverify.NewVerifier([][]byte{[]byte("whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA")})
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := webhookverify.Payload(r.Context())
		fmt.Printf("handler got %d bytes\n", len(body))
		w.WriteHeader(http.StatusNoContent)
	})
	verified := webhookverify.Middleware(v, "X-Munin-Signature",
		webhookverify.WithMaxBodyBytes(64<<10),
		webhookverify.WithRejectHook(func(_ *http.Request, err error) { fmt.Println("refused:", err) }),
	)(handler)
	srv := httptest.NewServer(verified)
	defer srv.Close()

	post := func(body, signature string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/munin", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if signature != "" {
			req.Header.Set("X-Munin-Signature", signature)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		text, _ := io.ReadAll(resp.Body)
		fmt.Printf("%d %q\n", resp.StatusCode, text)
	}

	body := `{"type":"conversation.created","id":"evt_1","orgId":"org_1","correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z","payload":{"conversationId":"cnv_1","displayId":1,"channelId":"chn_1"}}`
	post(body, v.Sign([]byte(body)))
	post(body, "")
	post(body+"\n", v.Sign([]byte(body)))
	post(strings.Repeat(" ", 64<<10+1), v.Sign(nil))
	// Output:
	// handler got 191 bytes
	// 204 ""
	// refused: webhookverify: missing signature
	// 401 "Unauthorized\n"
	// refused: webhookverify: signature mismatch
	// 401 "Unauthorized\n"
	// refused: webhookverify: body too large
	// 413 "Request Entity Too Large\n"
}

// A Moveo webhook: X-Moveo-Signature is bare lowercase hex, so the Verifier is built with BareHex.
// VerifyRequest is what a vendor handler calls before it decodes any JSON.
func ExampleVerifier_VerifyRequest() {
	v, err := webhookverify.NewVerifier([][]byte{[]byte("Jefe")}, webhookverify.WithEncoding(webhookverify.BareHex))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := httptest.NewRequest(http.MethodPost, "/webhooks/moveo", strings.NewReader("what do ya want for nothing?"))
	r.Header.Set("X-Moveo-Signature", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")

	body, err := v.VerifyRequest(r, "X-Moveo-Signature", 0)
	fmt.Printf("%q %v\n", body, err)
	// Output:
	// "what do ya want for nothing?" <nil>
}

// A desk that AltaBots or Certainly calls without a signature: it accepts the bearer token it was
// configured with, from the vendor's addresses only, and tells everyone else 401 or 403.
func ExampleAllOf() {
	ips, err := webhookverify.SourceIPs("203.0.113.0/24")
	if err != nil {
		panic(err)
	}
	bearer, err := webhookverify.BearerToken("desk-token")
	if err != nil {
		panic(err)
	}
	check, err := webhookverify.AllOf(ips, bearer)
	if err != nil {
		panic(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := check.Authenticate(r); err != nil {
			status := webhookverify.AuthStatus(err)
			http.Error(w, http.StatusText(status), status)
			return
		}
		fmt.Fprintln(w, "accepted")
	})

	for _, call := range []struct{ peer, auth string }{
		{"203.0.113.7:41000", "Bearer desk-token"},
		{"203.0.113.7:41000", "Bearer guess"},
		{"198.51.100.1:41000", "Bearer desk-token"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/conversation/establish", strings.NewReader(`{}`))
		r.RemoteAddr = call.peer
		r.Header.Set("Authorization", call.auth)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	fmt.Println(check)
	// Output:
	// 200 accepted
	// 401 Unauthorized
	// 403 Forbidden
	// webhookverify.AllOf{webhookverify.Authenticator{source 203.0.113.0/24}, webhookverify.Authenticator{bearer, credentials: 1}}
}
