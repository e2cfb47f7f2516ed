package certainlytest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// BenchmarkUserSaysNormal is the user talking to the bot: no HTTP, the
// transcript and the Bot only.
func BenchmarkUserSaysNormal(b *testing.B) {
	s := certainlytest.NewServer(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UserSays(ctx, "u1", "Where is my order?"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserSaysListen is a user message in listen mode: one message
// webhook call to a loopback receiver, waited for.
func BenchmarkUserSaysListen(b *testing.B) {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(rc.Close)
	s := certainlytest.NewServer(b, certainlytest.WithWebhooks("", rc.URL, certainlytest.BearerAuth("t")))
	handover(b, s, "u1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UserSays(ctx, "u1", "Hello?"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandoverRoute is the program's GET …/handover/{userId}/ over
// loopback HTTP, token checked.
func BenchmarkHandoverRoute(b *testing.B) {
	s := certainlytest.NewServer(b)
	req, err := http.NewRequest(http.MethodGet, s.URL+path(s, "handover", "web user/42"), nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", bearer(s))
	hc := s.Client()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}
