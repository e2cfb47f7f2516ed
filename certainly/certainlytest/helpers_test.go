package certainlytest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/botbridge/botbridge/certainly/certainlytest"
	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// reply is an answer of the fake.
type reply = fakeservertest.Reply

// do sends method to the server's path (from the host on, escaped as
// given) with the Authorization header auth ("" for none) and body ("" for
// none).
func do(t testing.TB, s *certainlytest.Server, method, path, auth, body string) reply {
	t.Helper()
	var b any
	if body != "" {
		b = body
	}
	return fakeservertest.Send(t, s.Client(), method, s.URL+path, b, "Authorization", auth)
}

// bearer is the Authorization header the server accepts by default.
func bearer(s *certainlytest.Server) string { return "bearer " + s.Token() }

// path is a route's path for the server's bot, with userID escaped.
func path(s *certainlytest.Server, kind, userID string) string {
	p := certainlytest.DefaultPathPrefix + "/" + s.BotID() + "/" + kind + "/"
	if userID != "" {
		p += url.PathEscape(userID) + "/"
	}
	return p
}

// handover, send and takeover call the routes as a program would.
func handover(t testing.TB, s *certainlytest.Server, userID string) reply {
	t.Helper()
	return do(t, s, "GET", path(s, "handover", userID), bearer(s), "")
}

func send(t testing.TB, s *certainlytest.Server, userID, body string) reply {
	t.Helper()
	return do(t, s, "POST", path(s, "handover", userID), bearer(s), body)
}

func takeover(t testing.TB, s *certainlytest.Server, userID, query string) reply {
	t.Helper()
	return do(t, s, "GET", path(s, "takeover", userID)+query, bearer(s), "")
}

// receiver is a webhook endpoint that records calls and answers with the
// statuses queued in it (204 when none is left).
type receiver = fakeservertest.Receiver

func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	rc := fakeservertest.NewReceiver(t, statuses...)
	rc.SetAnswer(func(*http.Request, []byte) (int, string) { return http.StatusNoContent, "" })
	return rc
}

// ctx returns a context that ends with the test, bounded so a hang fails.
var ctx = fakeservertest.Context
