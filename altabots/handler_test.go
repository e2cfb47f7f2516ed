package altabots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// The page's example establish body, and chat and close bodies from its
// tables, reach the desk decoded; each is answered 200 {"code":0,
// "message":"success"}.
func TestHandlerServesTheThreeEndpoints(t *testing.T) {
	t.Parallel()
	desk := &recordingDesk{}
	h := newTestHandler(t, desk)

	rec := serve(h, altabotsCall("/conversation/establish", docEstablish))
	assertAnswer(t, rec, http.StatusOK, 0, "success")
	assert.Equal(t, `{"code":0,"message":"success"}`, rec.Body.String())
	assertAnswer(t, serve(h, altabotsCall("/chat", docChat)), http.StatusOK, 0, "success")
	assertAnswer(t, serve(h, altabotsCall("/conversation/close", docClose)), http.StatusOK, 0, "success")

	require.Len(t, desk.establish, 1)
	want, err := ParseEstablish([]byte(docEstablish))
	require.NoError(t, err)
	assert.Equal(t, want, desk.establish[0])
	require.Len(t, desk.chat, 1)
	assert.Equal(t, "My order never arrived.", desk.chat[0].Body)
	assert.Equal(t, docConversation, desk.chat[0].ConversationID)
	require.Len(t, desk.closed, 1)
	assert.Equal(t, CloseUserClosed, desk.closed[0].Type)
	assert.JSONEq(t, docClose, string(desk.closed[0].Raw))
}

// refusalCase is a call AltaBots' example turned bad by one mutation, and
// the exact answer.
type refusalCase struct {
	name    string
	mutate  func(c *call)
	status  int
	code    int
	message string
}

func TestHandlerRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []refusalCase{
		{"unknown path", func(c *call) { c.path = "/conversation/open" }, 404, 40400, "no endpoint at this path"},
		{"path with trailing slash", func(c *call) { c.path += "/" }, 404, 40400, "no endpoint at this path"},
		{"curl prefix without the option", func(c *call) { c.path = CurlPathPrefix + c.path }, 404, 40400, "no endpoint at this path"},
		{"GET", func(c *call) { c.method = http.MethodGet }, 405, 40500, "method must be POST"},
		{"PUT", func(c *call) { c.method = http.MethodPut }, 405, 40500, "method must be POST"},
		{"GET without credential", func(c *call) { c.method, c.auth = http.MethodGet, "" }, 405, 40500, "method must be POST"},
		{"no credential", func(c *call) { c.auth = "" }, 401, 40100, "credential is missing"},
		{"wrong token", func(c *call) { c.auth = "Bearer not-the-token" }, 401, 40100, "credential is not accepted"},
		{"Basic instead of Bearer", func(c *call) { c.auth = "Basic " + testToken }, 401, 40100, "credential is missing"},
		{"no credential and not JSON", func(c *call) { c.auth, c.body = "", "x" }, 401, 40100, "credential is missing"},
		{"no Content-Type", func(c *call) { c.contentType = "" }, 415, 41500, "Content-Type must be application/json"},
		{"text/plain", func(c *call) { c.contentType = "text/plain" }, 415, 41500, "Content-Type must be application/json"},
		{"form", func(c *call) { c.contentType = "application/x-www-form-urlencoded" }, 415, 41500, "Content-Type must be application/json"},
		{"json suffix type", func(c *call) { c.contentType = "application/problem+json" }, 415, 41500, "Content-Type must be application/json"},
		{"bad media type", func(c *call) { c.contentType = "application/json/x" }, 415, 41500, "Content-Type must be application/json"},
		{"not JSON", func(c *call) { c.body = "conversation_id=67d8db020fa31d1ef64f53dg" }, 400, 40000, "request body is not valid JSON"},
		{"empty body", func(c *call) { c.body = "" }, 400, 40000, "request body is empty"},
		{"JSON array", func(c *call) { c.body = "[]" }, 400, 40000, "request body must be a JSON object"},
		{"missing conversation_id", func(c *call) {
			c.body = strings.Replace(docEstablish, `"conversation_id": "67d8db020fa31d1ef64f53dg",`, ``, 1)
		}, 400, 40000, "conversation_id is required"},
		{"empty conversation_id", func(c *call) { c.body = strings.Replace(docEstablish, docConversation, ``, 1) }, 400, 40000, "conversation_id is required"},
		{"timestamp a string", func(c *call) {
			c.body = strings.Replace(docEstablish, `1742265090895`, `"1742265090895"`, 1)
		}, 400, 40000, "timestamp must be a whole number (milliseconds since the epoch)"},
		{"phone a number", func(c *call) { c.body = strings.Replace(docEstablish, `"phone": null`, `"phone": 1`, 1) }, 400, 40000, "user_info.phone must be a string"},
		{"chat without conversation_id", func(c *call) { c.path, c.body = "/chat", `{"timestamp":1742265150895,"body":"hi"}` }, 400, 40000, "conversation_id is required"},
		{"chat body a number", func(c *call) { c.path, c.body = "/chat", strings.Replace(docChat, `"My order never arrived."`, `1`, 1) }, 400, 40000, "body must be a string"},
		{"close type unknown", func(c *call) {
			c.path, c.body = "/conversation/close", strings.Replace(docClose, "USER_CLOSED", "AGENT_CLOSED", 1)
		}, 400, 40000, "type must be TIMEOUT or USER_CLOSED"},
		{"close type missing", func(c *call) {
			c.path, c.body = "/conversation/close", `{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265390895}`
		}, 400, 40000, "type must be TIMEOUT or USER_CLOSED"},
		{"close without conversation_id", func(c *call) {
			c.path, c.body = "/conversation/close", `{"timestamp":1742265390895,"type":"TIMEOUT"}`
		}, 400, 40000, "conversation_id is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			desk := &recordingDesk{}
			var refused []int
			var reasons []error
			h := newTestHandler(t, desk, WithHooks(Hooks{Refused: func(_ *http.Request, status int, err error) {
				refused = append(refused, status)
				reasons = append(reasons, err)
			}}))
			c := altabotsCall("/conversation/establish", docEstablish)
			tc.mutate(&c)
			rec := serve(h, c)
			assertAnswer(t, rec, tc.status, tc.code, tc.message)
			if tc.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", rec.Header().Get("Allow"))
			}
			assert.NotContains(t, rec.Body.String(), testToken)
			e, ch, cl := desk.calls()
			assert.Zero(t, e+ch+cl, "the desk is not called")
			assert.Equal(t, []int{tc.status}, refused)
			require.Len(t, reasons, 1)
			assert.Error(t, reasons[0])
		})
	}
}

// Content-Type may carry parameters and any case.
func TestHandlerContentTypeVariants(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, &recordingDesk{})
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8", "application/json; charset"} {
		c := altabotsCall("/chat", docChat)
		c.contentType = ct
		assertAnswer(t, serve(h, c), http.StatusOK, 0, "success")
	}
}

// The body cap holds whether or not the length is declared; a body of
// exactly the cap is accepted.
func TestHandlerBodyCap(t *testing.T) {
	t.Parallel()
	limit := int64(len(docEstablish))
	h := newTestHandler(t, &recordingDesk{}, WithMaxBodyBytes(limit))
	for _, tc := range []struct {
		name     string
		body     string
		declared bool
		status   int
	}{
		{"at the cap, declared", docEstablish, true, 200},
		{"at the cap, chunked", docEstablish, false, 200},
		{"over the cap, declared", docEstablish + " ", true, 413},
		{"over the cap, chunked", docEstablish + " ", false, 413},
	} {
		req := httptest.NewRequest(http.MethodPost, "/conversation/establish", io.MultiReader(strings.NewReader(tc.body)))
		if tc.declared {
			req.ContentLength = int64(len(tc.body))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if tc.status == 413 {
			assertAnswer(t, rec, 413, 41300, fmt.Sprintf("request body is larger than %d bytes", limit))
		} else {
			assertAnswer(t, rec, 200, 0, "success")
		}
	}
}

// The default cap is 1 MiB.
func TestHandlerDefaultBodyCap(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, &recordingDesk{})
	big := `{"conversation_id":"c1","body":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`
	assertAnswer(t, serve(h, altabotsCall("/chat", big)), 413, 41300, "request body is larger than 1048576 bytes")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestHandlerBodyReadError(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, &recordingDesk{})
	req := httptest.NewRequest(http.MethodPost, "/chat", failingReader{})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assertAnswer(t, rec, 400, 40000, "request body could not be read")
}

// A desk error is 500 "desk failed", never its text; a *DeskError chooses
// the answer, wrapped or not.
func TestHandlerDeskErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		code    int
		message string
	}{
		{"plain error", errors.New("db password=hunter2 refused"), 500, 50000, "desk failed"},
		{"DeskError", &DeskError{Status: 503, Message: "no agent is online"}, 503, 50300, "no agent is online"},
		{"wrapped DeskError", fmt.Errorf("routing: %w", &DeskError{Status: 409, Code: 40901, Message: "already taken"}), 409, 40901, "already taken"},
		{"DeskError without message", &DeskError{Status: 429}, 429, 42900, "Too Many Requests"},
		{"DeskError without status", &DeskError{Message: "oops"}, 500, 50000, "desk failed"},
		{"DeskError with a 2xx", &DeskError{Status: 202, Code: 1, Message: "queued"}, 202, 1, "queued"},
		{"DeskError with 204, which has no body", &DeskError{Status: 204}, 500, 50000, "desk failed"},
		{"DeskError with 304, which has no body", &DeskError{Status: 304, Message: "seen"}, 500, 50000, "desk failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var refused []int
			h := newTestHandler(t, &recordingDesk{err: tc.err}, WithHooks(Hooks{Refused: func(_ *http.Request, status int, err error) {
				refused = append(refused, status)
				assert.Equal(t, tc.err, err, "the hook gets the desk's own error")
			}}))
			for _, c := range []call{
				altabotsCall("/conversation/establish", docEstablish),
				altabotsCall("/chat", docChat),
				altabotsCall("/conversation/close", docClose),
			} {
				rec := serve(h, c)
				assertAnswer(t, rec, tc.status, tc.code, tc.message)
				assert.NotContains(t, rec.Body.String(), "hunter2")
			}
			if tc.status >= 300 {
				assert.Equal(t, []int{tc.status, tc.status, tc.status}, refused)
			} else {
				assert.Empty(t, refused)
			}
		})
	}
}

func TestDeskErrorError(t *testing.T) {
	t.Parallel()
	assert.EqualError(t, &DeskError{Status: 503, Message: "no agent is online"}, "altabots: desk answered 503 (code 50300): no agent is online")
	assert.EqualError(t, &DeskError{Status: 99}, "altabots: desk answered 500 (code 50000): desk failed")
}

func TestHandlerPaths(t *testing.T) {
	t.Parallel()
	t.Run("curl prefix", func(t *testing.T) {
		t.Parallel()
		h := newTestHandler(t, &recordingDesk{}, WithPathPrefix(CurlPathPrefix))
		e, c, cl := h.Paths()
		assert.Equal(t, []string{"/human/service/conversation/establish", "/human/service/chat", "/human/service/conversation/close"}, []string{e, c, cl})
		assertAnswer(t, serve(h, altabotsCall("/human/service/conversation/establish", docEstablish)), 200, 0, "success")
		assertAnswer(t, serve(h, altabotsCall("/human/service/chat", docChat)), 200, 0, "success")
		assertAnswer(t, serve(h, altabotsCall("/human/service/conversation/close", docClose)), 200, 0, "success")
		assertAnswer(t, serve(h, altabotsCall("/conversation/establish", docEstablish)), 404, 40400, "no endpoint at this path")
	})
	t.Run("own paths under a prefix with a trailing slash", func(t *testing.T) {
		t.Parallel()
		h := newTestHandler(t, &recordingDesk{}, WithPathPrefix("/altabots/"), WithPaths("/open", "/message", "/end"))
		e, c, cl := h.Paths()
		assert.Equal(t, []string{"/altabots/open", "/altabots/message", "/altabots/end"}, []string{e, c, cl})
		assertAnswer(t, serve(h, altabotsCall("/altabots/message", docChat)), 200, 0, "success")
		assertAnswer(t, serve(h, altabotsCall("/chat", docChat)), 404, 40400, "no endpoint at this path")
	})
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		h := newTestHandler(t, &recordingDesk{})
		e, c, cl := h.Paths()
		assert.Equal(t, []string{DefaultEstablishPath, DefaultChatPath, DefaultClosePath}, []string{e, c, cl})
	})
	t.Run("behind a mux", func(t *testing.T) {
		t.Parallel()
		h := newTestHandler(t, &recordingDesk{}, WithPathPrefix(CurlPathPrefix))
		mux := http.NewServeMux()
		mux.Handle(CurlPathPrefix+"/", h)
		assertAnswer(t, serve(mux, altabotsCall("/human/service/chat", docChat)), 200, 0, "success")
	})
}

func TestNewHandlerRefuses(t *testing.T) {
	t.Parallel()
	client := newTestClient(t, newClientMock(t))
	auth := WithAuthenticator(bearer(t))
	for _, tc := range []struct {
		name string
		desk Desk
		opts []HandlerOption
		want string
	}{
		{"nil desk", nil, []HandlerOption{auth}, "altabots: NewHandler: nil Desk"},
		{"no authentication", &recordingDesk{}, nil, "no WithAuthenticator"},
		{"both", &recordingDesk{}, []HandlerOption{auth, WithoutAuthentication()}, "give one or the other"},
		{"nil option", &recordingDesk{}, []HandlerOption{auth, nil}, "nil HandlerOption"},
		{"nil authenticator", &recordingDesk{}, []HandlerOption{WithAuthenticator(nil)}, "WithAuthenticator: nil Authenticator"},
		{"authenticator twice", &recordingDesk{}, []HandlerOption{auth, auth}, "webhookverify.AllOf"},
		{"relative path", &recordingDesk{}, []HandlerOption{auth, WithPaths("establish", "/chat", "/close")}, `WithPaths: establish path "establish": must start with "/"`},
		{"path with query", &recordingDesk{}, []HandlerOption{auth, WithPaths("/e", "/chat?x=1", "/close")}, "query"},
		{"path with space", &recordingDesk{}, []HandlerOption{auth, WithPaths("/e", "/chat", "/clo se")}, "white space"},
		{"same paths", &recordingDesk{}, []HandlerOption{auth, WithPaths("/e", "/e", "/close")}, "must differ"},
		{"relative prefix", &recordingDesk{}, []HandlerOption{auth, WithPathPrefix("human/service")}, "WithPathPrefix"},
		{"zero body cap", &recordingDesk{}, []HandlerOption{auth, WithMaxBodyBytes(0)}, "WithMaxBodyBytes: 0 is not positive"},
		{"nil clock", &recordingDesk{}, []HandlerOption{auth, WithClock(nil)}, "WithClock: nil Clock"},
		{"auto reply without client", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(nil, "hi", time.Second)}, "WithAutoReply: nil Client"},
		{"auto reply with a zero client", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(&Client{}, "hi", time.Second)}, "WithAutoReply: nil Client"},
		{"auto reply without text", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(client, "", time.Second)}, "WithAutoReply: text is empty"},
		{"auto reply after 0", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(client, "hi", 0)}, "must be positive and shorter"},
		{"auto reply after 60 s", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(client, "hi", WaitingTime)}, "must be positive and shorter"},
		{"auto reply twice", &recordingDesk{}, []HandlerOption{auth, WithAutoReply(client, "hi", time.Second), WithAutoReply(client, "hi", time.Second)}, "WithAutoReply: given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHandler(tc.desk, tc.opts...)
			assert.Nil(t, h)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "altabots: NewHandler: "), err.Error())
		})
	}
}

// Neither the handler nor its logs show the credential it checks or the
// one it received.
func TestHandlerNeverShowsCredentials(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := newTestClient(t, newClientMock(t))
	basic, err := webhookverify.BasicAuth("altabots", testToken)
	require.NoError(t, err)
	h, err := NewHandler(&recordingDesk{err: errors.New("desk down")}, WithAuthenticator(basic), WithHandlerLogger(logger),
		WithAutoReply(client, "One moment please.", 45*time.Second))
	require.NoError(t, err)
	defer h.Close()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{h, *h} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, testToken, verb)
			assert.NotContains(t, s, testAPIKey, verb)
		}
	}
	assert.Equal(t, "altabots.Handler{/conversation/establish /chat /conversation/close, credential checked, auto reply after 45s}", h.String())

	c := altabotsCall("/chat", docChat)
	c.auth = "Basic " + "YWx0YWJvdHM6d3Jvbmc=" // altabots:wrong
	assertAnswer(t, serve(h, c), 401, 40100, "credential is not accepted")
	req := httptest.NewRequest(http.MethodPost, "/chat", strings.NewReader(docChat))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("altabots", testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assertAnswer(t, rec, 500, 50000, "desk failed")

	out := logs.String()
	assert.Contains(t, out, "credential is not accepted")
	assert.Contains(t, out, "desk down", "the log has the desk's error")
	assert.Contains(t, out, "conversation_id="+docConversation)
	assert.NotContains(t, out, testToken)
	assert.NotContains(t, out, "YWx0YWJvdHM6d3Jvbmc=")
}

// The desk gets the request's context.
func TestHandlerPassesTheRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	var got any
	desk := &recordingDesk{onEstablish: func(ctx context.Context, _ *EstablishRequest) { got = ctx.Value(key{}) }}
	h := newTestHandler(t, desk)
	req := httptest.NewRequest(http.MethodPost, "/conversation/establish", strings.NewReader(docEstablish))
	req = req.WithContext(context.WithValue(req.Context(), key{}, "v"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "v", got)
}

// The handler serves concurrent calls.
func TestHandlerConcurrent(t *testing.T) {
	t.Parallel()
	desk := &recordingDesk{}
	h := newTestHandler(t, desk)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Replace(docChat, docConversation, fmt.Sprintf("conv-%d", i), 1)
			assert.Equal(t, 200, serve(h, altabotsCall("/chat", body)).Code)
		}()
	}
	wg.Wait()
	_, chat, _ := desk.calls()
	assert.Equal(t, 20, chat)
}

// A *RequestError from the desk is a desk error like any other: its text
// does not reach AltaBots.
func TestHandlerDeskReturnsRequestError(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, &recordingDesk{err: &RequestError{Field: "secret", Message: "secret must be hunter2"}})
	assertAnswer(t, serve(h, altabotsCall("/chat", docChat)), 500, 50000, "desk failed")
}
