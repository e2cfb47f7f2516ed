package altabotstest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
)

// t0 is the fake clock's start: the handoff page's example timestamp,
// 1742265090895 ms (2025-03-18T02:31:30.895Z).
var t0 = time.UnixMilli(1742265090895).UTC()

// deskToken is the credential the test desks expect from AltaBots.
const deskToken = "desk-token-5b1f0c9e7d"

// setBearer is the WithDesk auth function of the tests.
func setBearer(r *http.Request) { r.Header.Set("Authorization", "Bearer "+deskToken) }

// The handoff page's example user and transcript.
var (
	docUser       = altabotstest.User{Email: "bob@gmail.com", UserID: "KDslas", AnonymousID: "652face5184b30540a6ea7fe"}
	docTranscript = []altabots.Message{
		{Text: "human service", Type: altabots.Question},
		{Text: "", Type: altabots.Answer},
	}
)

// desk is a desk endpoint that records AltaBots' calls and answers 200
// {"code":0,"message":"success"}, or what SetAnswer says.
type desk = fakeservertest.Receiver

func newDesk(t testing.TB) *desk {
	t.Helper()
	d := fakeservertest.NewReceiver(t)
	d.SetAnswer(func(*http.Request, []byte) (int, string) {
		return http.StatusOK, `{"code":0,"message":"success"}`
	})
	return d
}

// newFake starts a fake on a frozen clock at t0, calling d.
func newFake(t testing.TB, d *desk, opts ...altabotstest.Option) *altabotstest.Server {
	t.Helper()
	base := []altabotstest.Option{altabotstest.WithClock(altabotstest.NewClock(t0))}
	if d != nil {
		base = append(base, altabotstest.WithDesk(d.URL, setBearer))
	}
	return altabotstest.NewServer(t, append(base, opts...)...)
}

// reply is an answer of the fake's API.
type reply = fakeservertest.Reply

// post sends body (a string as is, anything else as JSON) to path on the
// fake with Content-Type application/json and the given Authorization
// ("" for none).
func post(t testing.TB, s *altabotstest.Server, path, auth string, body any) reply {
	t.Helper()
	return send(t, s, http.MethodPost, path, auth, "application/json", body)
}

// asDesk posts with the server's key, as the desk's client would.
func asDesk(t testing.TB, s *altabotstest.Server, path string, body any) reply {
	t.Helper()
	return post(t, s, path, "Bearer "+s.APIKey(), body)
}

// send sends method to path with the given Authorization and Content-Type
// ("" for none).
func send(t testing.TB, s *altabotstest.Server, method, path, auth, contentType string, body any) reply {
	t.Helper()
	return fakeservertest.Send(t, s.Client(), method, s.URL+path, body,
		"Content-Type", contentType, "Authorization", auth)
}

// replyBody is a desk reply for conversation id at t0.
func replyBody(id, text string) map[string]any {
	return map[string]any{"conversation_id": id, "timestamp": t0.UnixMilli(), "body": text}
}

// ctx returns a context bounded so that a hang fails the test.
var ctx = fakeservertest.Context

// escalate opens a conversation with the doc's user and transcript.
func escalate(t testing.TB, s *altabotstest.Server) altabotstest.Conversation {
	t.Helper()
	conv, err := s.Escalate(ctx(t), docUser, docTranscript...)
	require.NoError(t, err)
	return *conv
}

// jsonOf decodes a JSON body.
func jsonOf(t testing.TB, body []byte) map[string]any {
	t.Helper()
	return reply{Body: body}.JSON(t)
}

// noSecret fails when s contains the server's key or the desk's token.
func noSecret(t testing.TB, s *altabotstest.Server, text string) {
	t.Helper()
	require.NotContains(t, text, s.APIKey())
	require.False(t, strings.Contains(text, deskToken), "the desk token leaked: %s", text)
}
