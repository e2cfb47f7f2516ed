package munintest_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// httptestServer starts h on loopback for the test and returns its URL.
func httptestServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// blockingReceiver starts a webhook receiver that reads each delivery and
// then holds it without answering until the client gives up or the test
// ends. The hold is released before the receiver closes (cleanups run last
// registered first), so closing it never depends on seeing the client go:
// httptest.Server.Close waits for its handlers, and a handler that only a
// vanished client could release would hold the test until go test's
// timeout.
func blockingReceiver(t testing.TB) string {
	t.Helper()
	release := make(chan struct{})
	url := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so net/http notices the client leaving
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) })
	return url
}

// startExampleReceiver serves srv on a loopback port and returns its URL.
func startExampleReceiver(srv *http.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String()
}
