package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/botbridge/botbridge/internal/transport"
)

// A vendor client's call: a params struct in, a typed result out, and the
// vendor's error answer as an *APIError with the shared sentinels.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"unauthorized","message":"missing key"}`)
			return
		}
		fmt.Fprint(w, `{"inserted":2,"skipped":0}`)
	}))
	defer srv.Close()

	cfg := transport.DefaultConfig("munin", srv.URL)
	cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer k") }
	c, err := transport.New(cfg)
	if err != nil {
		panic(err)
	}
	var out struct{ Inserted, Skipped int }
	if _, err := c.Do(context.Background(), &transport.Request{
		Method: http.MethodPost, Path: "v1/widget/messages", Body: map[string]string{"sessionId": "s1"},
	}, &out); err != nil {
		panic(err)
	}
	fmt.Println("inserted", out.Inserted)

	cfg.Authorize = nil
	anonymous, _ := transport.New(cfg)
	_, err = anonymous.Do(context.Background(), &transport.Request{Method: http.MethodGet, Path: "v1/whoami"}, nil)
	fmt.Println(errors.Is(err, transport.ErrUnauthorized))
	fmt.Println(err)
	// Output:
	// inserted 2
	// true
	// munin: GET /v1/whoami: 401 unauthorized: missing key
}
