package altabotstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
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

// deskCall is one call a recording desk received.
type deskCall struct {
	path   string
	header http.Header
	body   []byte
}

// desk is a desk endpoint that records AltaBots' calls and answers 200
// {"code":0,"message":"success"}, or what answer returns when set.
type desk struct {
	srv *httptest.Server

	mu     sync.Mutex
	calls  []deskCall
	answer func(r *http.Request, body []byte) (status int, body2 string)
}

func newDesk(t testing.TB) *desk {
	t.Helper()
	d := &desk{}
	d.srv = httptest.NewServer(d)
	t.Cleanup(d.srv.Close)
	return d
}

func (d *desk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.calls = append(d.calls, deskCall{r.URL.Path, r.Header.Clone(), body})
	answer := d.answer
	d.mu.Unlock()
	status, out := http.StatusOK, `{"code":0,"message":"success"}`
	if answer != nil {
		status, out = answer(r, body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

func (d *desk) setAnswer(f func(r *http.Request, body []byte) (int, string)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answer = f
}

func (d *desk) received() []deskCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]deskCall(nil), d.calls...)
}

// newFake starts a fake on a frozen clock at t0, calling d.
func newFake(t testing.TB, d *desk, opts ...altabotstest.Option) *altabotstest.Server {
	t.Helper()
	base := []altabotstest.Option{altabotstest.WithClock(altabotstest.NewClock(t0))}
	if d != nil {
		base = append(base, altabotstest.WithDesk(d.srv.URL, setBearer))
	}
	return altabotstest.NewServer(t, append(base, opts...)...)
}

// reply is an answer of the fake's API.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

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

func send(t testing.TB, s *altabotstest.Server, method, path, auth, contentType string, body any) reply {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(t, err)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, bytes.NewReader(raw))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: out}
}

// replyBody is a desk reply for conversation id at t0.
func replyBody(id, text string) map[string]any {
	return map[string]any{"conversation_id": id, "timestamp": t0.UnixMilli(), "body": text}
}

// ctx returns a context bounded so that a hang fails the test.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

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
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "body: %s", body)
	return m
}

// noSecret fails when s contains the server's key or the desk's token.
func noSecret(t testing.TB, s *altabotstest.Server, text string) {
	t.Helper()
	require.NotContains(t, text, s.APIKey())
	require.False(t, strings.Contains(text, deskToken), "the desk token leaked: %s", text)
}
