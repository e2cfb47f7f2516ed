package altabotstest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots/altabotstest"
)

const (
	pathReceive = "/v1/human/message/receive"
	pathClose   = "/v1/human/close"
)

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t), altabotstest.WithAPIKey("app-my-fixed-key"))
	conv := escalate(t, s)
	assert.Equal(t, "app-my-fixed-key", s.APIKey())
	for name, auth := range map[string]string{
		"none":         "",
		"wrong key":    "Bearer app-not-the-key",
		"basic":        "Basic YXBwOmFwcC1teS1maXhlZC1rZXk=",
		"bare key":     "app-my-fixed-key",
		"empty bearer": "Bearer ",
	} {
		for _, path := range []string{pathReceive, pathClose} {
			r := post(t, s, path, auth, replyBody(conv.ID, "Hi"))
			assert.Equal(t, http.StatusUnauthorized, r.Status, "%s %s", name, path)
			assert.JSONEq(t, `{"code":40127,"message":"authentication failed"}`, string(r.Body), name)
			assert.Empty(t, r.Header.Get("X-RateLimit-Limit"), "refused calls do not count")
		}
	}
	r := post(t, s, pathReceive, "bearer app-my-fixed-key", replyBody(conv.ID, "Hi"))
	assert.Equal(t, http.StatusOK, r.Status, "the scheme is case-insensitive")
	got, _ := s.Conversation(conv.ID)
	assert.Len(t, got.Replies, 1, "only the authenticated reply was recorded")
}

// Every row of the "Required" column is checked, and the refusal names
// the field.
func TestAPIRequiredFields(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t))
	conv := escalate(t, s)
	valid := func() map[string]any { return replyBody(conv.ID, "Hi") }
	for name, tc := range map[string]struct {
		path    string
		mutate  func(m map[string]any)
		message string
	}{
		"no conversation_id":      {pathReceive, func(m map[string]any) { delete(m, "conversation_id") }, "conversation_id is required"},
		"null conversation_id":    {pathReceive, func(m map[string]any) { m["conversation_id"] = nil }, "conversation_id is required"},
		"blank conversation_id":   {pathClose, func(m map[string]any) { m["conversation_id"] = "  " }, "conversation_id is required"},
		"number conversation_id":  {pathReceive, func(m map[string]any) { m["conversation_id"] = 42 }, "conversation_id must be a string"},
		"no timestamp":            {pathReceive, func(m map[string]any) { delete(m, "timestamp") }, "timestamp is required"},
		"no timestamp on close":   {pathClose, func(m map[string]any) { delete(m, "timestamp") }, "timestamp is required"},
		"text timestamp":          {pathReceive, func(m map[string]any) { m["timestamp"] = "1742265090895" }, "timestamp must be a positive whole number of milliseconds"},
		"fractional timestamp":    {pathReceive, func(m map[string]any) { m["timestamp"] = 1742265090895.5 }, "timestamp must be a positive whole number of milliseconds"},
		"zero timestamp":          {pathClose, func(m map[string]any) { m["timestamp"] = 0 }, "timestamp must be a positive whole number of milliseconds"},
		"no body":                 {pathReceive, func(m map[string]any) { delete(m, "body") }, "body is required"},
		"empty body":              {pathReceive, func(m map[string]any) { m["body"] = "" }, "body is required"},
		"object body":             {pathReceive, func(m map[string]any) { m["body"] = map[string]any{"text": "Hi"} }, "body must be a string"},
		"unknown conversation":    {pathReceive, func(m map[string]any) { m["conversation_id"] = "000000000000000000000000" }, "conversation not found or closed"},
		"unknown close":           {pathClose, func(m map[string]any) { m["conversation_id"] = "000000000000000000000000" }, "conversation not found or closed"},
		"unknown fields are fine": {pathReceive, func(m map[string]any) { m["extra"] = true; m["conversation_id"] = "x" }, "conversation not found or closed"},
	} {
		body := valid()
		tc.mutate(body)
		r := asDesk(t, s, tc.path, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, name)
		assert.Equal(t, map[string]any{"code": 40000.0, "message": tc.message}, r.JSON(t), name)
	}
	for name, raw := range map[string]string{
		"not JSON":     `{"conversation_id":`,
		"array":        `[1,2]`,
		"null":         `null`,
		"two objects":  `{} {}`,
		"empty":        ``,
		"string value": `"hi"`,
	} {
		r := asDesk(t, s, pathReceive, raw)
		assert.Equal(t, http.StatusBadRequest, r.Status, name)
		assert.Contains(t, r.JSON(t)["message"], "request body", name)
	}
	r := send(t, s, http.MethodPost, pathReceive, "Bearer "+s.APIKey(), "text/plain", `{}`)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.JSONEq(t, `{"code":40000,"message":"Content-Type must be application/json"}`, string(r.Body))
	r = send(t, s, http.MethodPost, pathReceive, "Bearer "+s.APIKey(), "Application/JSON; charset=utf-8", replyBody(conv.ID, "Hi"))
	assert.Equal(t, http.StatusOK, r.Status)

	got, _ := s.Conversation(conv.ID)
	assert.Len(t, got.Replies, 1, "no refused reply was recorded")
}

func TestAPIRoutes(t *testing.T) {
	t.Parallel()
	s := newFake(t, nil)
	r := asDesk(t, s, "/v1/human/message/send", `{}`)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.JSONEq(t, `{"code":40400,"message":"no route for /v1/human/message/send"}`, string(r.Body))
	r = send(t, s, http.MethodGet, pathClose, "Bearer "+s.APIKey(), "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.Equal(t, "POST", r.Header.Get("Allow"))
	assert.JSONEq(t, `{"code":40500,"message":"method must be POST"}`, string(r.Body))
	r = asDesk(t, s, pathReceive, strings.Repeat(" ", altabotstest.MaxBodyBytes+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	assert.Equal(t, 41300.0, r.JSON(t)["code"])
}

// The desk closes a conversation: it ends, and nothing is sent back to it.
func TestDeskClosesConversation(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	conv := escalate(t, s)
	body := map[string]any{"conversation_id": conv.ID, "timestamp": t0.UnixMilli()}
	r := asDesk(t, s, pathClose, body)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.JSONEq(t, `{"code":0,"message":"success"}`, string(r.Body))
	got, err := s.WaitClosed(ctx(t), conv.ID)
	require.NoError(t, err)
	assert.Equal(t, altabotstest.StateClosed, got.State)
	assert.Equal(t, altabotstest.ReasonDesk, got.CloseReason)
	assert.Len(t, d.Calls(), 1, "AltaBots does not echo the desk's close")

	s.Clock().Advance(time.Hour)
	assert.Len(t, d.Calls(), 1, "no deadline after a close")
	r = asDesk(t, s, pathClose, body)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.JSONEq(t, `{"code":40000,"message":"conversation not found or closed"}`, string(r.Body))
	assert.ErrorIs(t, s.UserCloses(ctx(t), conv.ID), altabotstest.ErrNotOpen)
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t))
	conv := escalate(t, s)
	s.FailNext(altabotstest.RouteMessageReceive, http.StatusServiceUnavailable, 2)
	s.FailNext("/v1/human/close", http.StatusBadGateway, 1)
	s.FailNext(altabotstest.RouteClose, http.StatusInternalServerError, 0) // adds nothing
	for range 2 {
		r := post(t, s, pathReceive, "", replyBody(conv.ID, "Hi"))
		assert.Equal(t, http.StatusServiceUnavailable, r.Status, "before the key is checked")
		assert.JSONEq(t, `{"code":50300,"message":"injected fault"}`, string(r.Body))
		assert.Empty(t, r.Header.Get("Retry-After"))
	}
	got, _ := s.Conversation(conv.ID)
	assert.Empty(t, got.Replies, "faults process nothing")
	assert.Equal(t, http.StatusOK, asDesk(t, s, pathReceive, replyBody(conv.ID, "Hi")).Status)
	r := asDesk(t, s, pathClose, map[string]any{"conversation_id": conv.ID, "timestamp": 1})
	assert.Equal(t, http.StatusBadGateway, r.Status)
	got, _ = s.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateActive, got.State)
	r = asDesk(t, s, pathClose, map[string]any{"conversation_id": conv.ID, "timestamp": 1})
	assert.Equal(t, http.StatusOK, r.Status, "n = 0 queued no fault")
}

// FailNext panics on a programming error of the test, as the other
// vendor fakes' FailNext does.
func TestFailNextPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	s := newFake(t, nil)
	assert.PanicsWithValue(t,
		`altabotstest: FailNext: unknown route "POST /v1/human/nope"; want "POST /v1/human/message/receive" or "POST /v1/human/close"`,
		func() { s.FailNext("POST /v1/human/nope", 500, 1) })
	assert.Panics(t, func() { s.FailNext("GET /v1/human/close", 500, 1) }, "the routes are POST only")
	assert.PanicsWithValue(t, "altabotstest: FailNext: status 200 is not an error status",
		func() { s.FailNext(altabotstest.RouteClose, 200, 1) })
	assert.Panics(t, func() { s.FailNext(altabotstest.RouteClose, 600, 1) })
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t), altabotstest.WithRateLimit(2, time.Minute))
	conv := escalate(t, s)
	for i, remaining := range []string{"1", "0"} {
		r := asDesk(t, s, pathReceive, replyBody(conv.ID, fmt.Sprint("reply ", i)))
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, "2", r.Header.Get("X-RateLimit-Limit"))
		assert.Equal(t, remaining, r.Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "60", r.Header.Get("X-RateLimit-Reset"))
	}
	s.Clock().Advance(20 * time.Second)
	r := asDesk(t, s, pathReceive, replyBody(conv.ID, "one too many"))
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.JSONEq(t, `{"code":42900,"message":"rate limit exceeded"}`, string(r.Body))
	assert.Equal(t, "40", r.Header.Get("Retry-After"))
	assert.Equal(t, "0", r.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "40", r.Header.Get("X-RateLimit-Reset"))

	s.Clock().Advance(40 * time.Second)
	r = asDesk(t, s, pathReceive, replyBody(conv.ID, "a new window"))
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "1", r.Header.Get("X-RateLimit-Remaining"))
	got, _ := s.Conversation(conv.ID)
	assert.Len(t, got.Replies, 3)
}

func TestDefaultRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t))
	conv := escalate(t, s)
	r := asDesk(t, s, pathReceive, replyBody(conv.ID, "Hi"))
	assert.Equal(t, "1000", r.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "999", r.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "3600", r.Header.Get("X-RateLimit-Reset"))
}

func TestRequestsAreLoggedWithoutTheKey(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t))
	conv := escalate(t, s)
	s.Clock().Advance(time.Second)
	asDesk(t, s, pathReceive, replyBody(conv.ID, "Hi"))
	post(t, s, pathClose, "", `{}`)
	post(t, s, pathClose, s.APIKey(), `{}`) // the key without its scheme
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, altabotstest.RouteMessageReceive, reqs[0].Route)
	assert.Equal(t, "/v1/human/message/receive", reqs[0].Path)
	assert.Equal(t, http.StatusOK, reqs[0].Status)
	assert.Equal(t, 0, reqs[0].Code)
	assert.Equal(t, t0.Add(time.Second), reqs[0].At)
	assert.JSONEq(t, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d,"body":"Hi"}`, conv.ID, t0.UnixMilli()), string(reqs[0].Body))
	assert.Equal(t, "Bearer [REDACTED]", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, altabotstest.RouteClose, reqs[1].Route)
	assert.Equal(t, http.StatusUnauthorized, reqs[1].Status)
	assert.Equal(t, 40127, reqs[1].Code)
	assert.Equal(t, "[REDACTED]", reqs[2].Header.Get("Authorization"), "a bare key is all credential")
	noSecret(t, s, fmt.Sprintf("%v %+v %#v", reqs, reqs, reqs))
}

func TestServerPrintsNoKey(t *testing.T) {
	t.Parallel()
	s := newFake(t, nil)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, s)
		assert.Equal(t, "altabotstest.Server{"+s.URL+"}", out, verb)
		noSecret(t, s, out)
	}
}

// TestLatencyDelaysAnswers holds an answer back: with an hour of latency,
// a request whose context ends first gets no answer (no timing is
// measured).
func TestLatencyDelaysAnswers(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t), altabotstest.WithLatency(time.Hour))
	conv := escalate(t, s)
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(c, http.MethodPost, s.URL+pathReceive,
		strings.NewReader(fmt.Sprintf(`{"conversation_id":%q,"timestamp":1,"body":"Hi"}`, conv.ID)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the answer must wait for the latency")
	got, _ := s.Conversation(conv.ID)
	assert.Empty(t, got.Replies, "nothing is processed before the latency passes")
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]altabotstest.Option{
		"nil":            nil,
		"empty key":      altabotstest.WithAPIKey(""),
		"key with space": altabotstest.WithAPIKey("a b"),
		"desk not a URL": altabotstest.WithDesk("localhost:8080", nil),
		"desk ftp":       altabotstest.WithDesk("ftp://example.com", nil),
		"desk query":     altabotstest.WithDesk("http://example.com/?a=b", nil),
		"paths relative": altabotstest.WithDeskPaths("establish", "/chat", "/close"),
		"paths equal":    altabotstest.WithDeskPaths("/a", "/a", "/b"),
		"deadline":       altabotstest.WithReplyDeadline(0),
		"rate limit":     altabotstest.WithRateLimit(0, time.Minute),
		"rate window":    altabotstest.WithRateLimit(1, 0),
		"clock":          altabotstest.WithClock(nil),
		"latency":        altabotstest.WithLatency(-1),
		"desk client":    altabotstest.WithDeskClient(nil),
		"desk timeout":   altabotstest.WithDeskTimeout(0),
	} {
		s, err := altabotstest.New(opt)
		assert.Error(t, err, name)
		assert.Nil(t, s, name)
	}
	assert.ErrorContains(t, func() error { _, err := altabotstest.New(altabotstest.WithAPIKey("a b")); return err }(), "WithAPIKey")
}
