package altabotstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
)

// The establish call carries what the handoff page's request example
// carries, with the fake's ids and the time on its clock in milliseconds.
func TestEscalateSendsTheDocumentedEstablishCall(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	conv := escalate(t, s)

	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{24}$`), conv.ID)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{24}$`), s.BotID())
	calls := d.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, altabots.DefaultEstablishPath, calls[0].Path)
	assert.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
	assert.Equal(t, "Bearer "+deskToken, calls[0].Header.Get("Authorization"))
	assert.JSONEq(t, fmt.Sprintf(`{
	  "body": [
	    {"text": "human service", "message_type": "QUESTION"},
	    {"text": "", "message_type": "ANSWER"}
	  ],
	  "timestamp": 1742265090895,
	  "email": "bob@gmail.com",
	  "conversation_id": %q,
	  "bot_id": %q,
	  "user_info": {"phone": null, "email": "bob@gmail.com", "user_id": "KDslas", "anonymous_id": "652face5184b30540a6ea7fe"}
	}`, conv.ID, s.BotID()), string(calls[0].Body))

	// The desk's own decoder accepts it as a typed request.
	req, err := altabots.ParseEstablish(calls[0].Body)
	require.NoError(t, err)
	assert.Equal(t, conv.ID, req.ConversationID)
	assert.Equal(t, docTranscript, req.Body)
	assert.Nil(t, req.UserInfo.Phone)

	assert.Equal(t, altabotstest.StateWaitingFirstReply, conv.State)
	assert.Equal(t, t0, conv.EstablishedAt)
	assert.Equal(t, t0.Add(60*time.Second), conv.Deadline, "AltaBots' documented 60 s")
	assert.Equal(t, docTranscript, conv.Transcript)
}

func TestEscalateWithoutTranscriptOrAnonymousID(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	phone := "+4915112345678"
	conv, err := s.Escalate(ctx(t), altabotstest.User{Phone: &phone})
	require.NoError(t, err)
	body := jsonOf(t, d.Calls()[0].Body)
	assert.Equal(t, []any{}, body["body"], "no transcript is an empty list, not null")
	info := body["user_info"].(map[string]any)
	assert.Equal(t, phone, info["phone"])
	assert.Regexp(t, `^[0-9a-f]{24}$`, info["anonymous_id"])
	assert.Equal(t, info["anonymous_id"], conv.User.AnonymousID)
	*conv.User.Phone = "changed"
	got, _ := s.Conversation(conv.ID)
	assert.Equal(t, phone, *got.User.Phone, "snapshots share nothing with the server")
}

func TestDeskPathsAndPrefix(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := altabotstest.NewServer(t, altabotstest.WithDesk(d.URL+altabots.CurlPathPrefix+"/", nil),
		altabotstest.WithDeskPaths("/open", "/say", "/end"))
	conv := escalate(t, s)
	require.NoError(t, s.UserSays(ctx(t), conv.ID, "hello"))
	require.NoError(t, s.UserCloses(ctx(t), conv.ID))
	var paths []string
	for _, c := range d.Calls() {
		paths = append(paths, c.Path)
		assert.Empty(t, c.Header.Get("Authorization"), "no auth function, no credential")
	}
	assert.Equal(t, []string{"/human/service/open", "/human/service/say", "/human/service/end"}, paths)
	e, c, cl := s.DeskURLs()
	assert.Equal(t, d.URL+"/human/service/open", e)
	assert.Equal(t, d.URL+"/human/service/say", c)
	assert.Equal(t, d.URL+"/human/service/end", cl)
}

func TestChatAndCloseCalls(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	conv := escalate(t, s)
	s.Clock().Advance(2 * time.Second)
	require.NoError(t, s.UserSays(ctx(t), conv.ID, "Where is my order?"))
	require.NoError(t, s.UserCloses(ctx(t), conv.ID))

	calls := d.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, altabots.DefaultChatPath, calls[1].Path)
	assert.JSONEq(t, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d,"body":"Where is my order?"}`,
		conv.ID, t0.Add(2*time.Second).UnixMilli()), string(calls[1].Body))
	chat, err := altabots.ParseChat(calls[1].Body)
	require.NoError(t, err)
	assert.Equal(t, "Where is my order?", chat.Body)

	assert.Equal(t, altabots.DefaultClosePath, calls[2].Path)
	cl, err := altabots.ParseClose(calls[2].Body)
	require.NoError(t, err)
	assert.Equal(t, altabots.CloseUserClosed, cl.Type)

	got, ok := s.Conversation(conv.ID)
	require.True(t, ok)
	assert.Equal(t, altabotstest.StateClosed, got.State)
	assert.Equal(t, altabotstest.ReasonUserClosed, got.CloseReason)
	assert.Equal(t, []altabotstest.UserMessage{{Text: "Where is my order?", At: t0.Add(2 * time.Second)}}, got.UserMessages)
	assert.Equal(t, t0.Add(2*time.Second), got.EndedAt)

	// The user cannot write in a closed conversation, nor close it again.
	assert.ErrorIs(t, s.UserSays(ctx(t), conv.ID, "hello?"), altabotstest.ErrNotOpen)
	assert.ErrorIs(t, s.Timeout(ctx(t), conv.ID), altabotstest.ErrNotOpen)
	assert.ErrorIs(t, s.UserSays(ctx(t), "000000000000000000000000", "hi"), altabotstest.ErrUnknownConversation)
	assert.Len(t, d.Calls(), 3, "refused actions call nobody")
}

func TestTimeoutClosesWithTIMEOUT(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	conv := escalate(t, s)
	require.Equal(t, http.StatusOK, asDesk(t, s, "/v1/human/message/receive", replyBody(conv.ID, "Hi")).Status)
	require.NoError(t, s.Timeout(ctx(t), conv.ID))
	cl, err := altabots.ParseClose(d.Calls()[1].Body)
	require.NoError(t, err)
	assert.Equal(t, altabots.CloseTimeout, cl.Type)
	got, _ := s.Conversation(conv.ID)
	assert.Equal(t, altabotstest.ReasonTimeout, got.CloseReason)
}

// A reply inside the deadline keeps the handoff; none ends it when the
// deadline passes, and the desk is told with a TIMEOUT close.
func TestFirstReplyDeadline(t *testing.T) {
	t.Parallel()
	t.Run("reply in time", func(t *testing.T) {
		t.Parallel()
		d := newDesk(t)
		s := newFake(t, d)
		conv := escalate(t, s)
		s.Clock().Advance(59 * time.Second)
		r := asDesk(t, s, "/v1/human/message/receive", replyBody(conv.ID, "Hi, Sam here"))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.JSONEq(t, `{"code":0,"message":"success"}`, string(r.Body))

		replies, err := s.WaitReplies(ctx(t), conv.ID, 1)
		require.NoError(t, err)
		assert.Equal(t, []altabotstest.Reply{{Body: "Hi, Sam here", Timestamp: altabots.Millis(t0), At: t0.Add(59 * time.Second)}}, replies)
		s.Clock().Advance(time.Hour)
		got, _ := s.Conversation(conv.ID)
		assert.Equal(t, altabotstest.StateActive, got.State)
		assert.Len(t, d.Calls(), 1, "no close")
	})
	t.Run("no reply", func(t *testing.T) {
		t.Parallel()
		d := newDesk(t)
		s := newFake(t, d)
		conv := escalate(t, s)
		s.Clock().Advance(59 * time.Second)
		got, _ := s.Conversation(conv.ID)
		assert.Equal(t, altabotstest.StateWaitingFirstReply, got.State)

		s.Clock().Advance(time.Second)
		got, err := s.WaitClosed(ctx(t), conv.ID)
		require.NoError(t, err)
		assert.Equal(t, altabotstest.StateEndedNoReply, got.State)
		assert.Equal(t, altabotstest.ReasonNoReply, got.CloseReason)
		assert.Equal(t, t0.Add(time.Minute), got.EndedAt)

		calls := d.Calls()
		require.Len(t, calls, 2)
		assert.Equal(t, altabots.DefaultClosePath, calls[1].Path)
		assert.Equal(t, "Bearer "+deskToken, calls[1].Header.Get("Authorization"))
		assert.JSONEq(t, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d,"type":"TIMEOUT"}`,
			conv.ID, t0.Add(time.Minute).UnixMilli()), string(calls[1].Body))

		// Too late: the desk's reply is refused and nothing more happens.
		r := asDesk(t, s, "/v1/human/message/receive", replyBody(conv.ID, "Sorry, I'm here"))
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.JSONEq(t, `{"code":40000,"message":"conversation not found or closed"}`, string(r.Body))
		_, err = s.WaitReplies(ctx(t), conv.ID, 1)
		assert.ErrorIs(t, err, altabotstest.ErrNotOpen)
		assert.ErrorIs(t, s.UserSays(ctx(t), conv.ID, "hello?"), altabotstest.ErrNotOpen)
		assert.Len(t, d.Calls(), 2)
	})
	t.Run("reply at the deadline is late", func(t *testing.T) {
		t.Parallel()
		s := newFake(t, newDesk(t), altabotstest.WithReplyDeadline(10*time.Second))
		conv := escalate(t, s)
		assert.Equal(t, t0.Add(10*time.Second), conv.Deadline)
		s.Clock().Advance(10 * time.Second)
		r := asDesk(t, s, "/v1/human/message/receive", replyBody(conv.ID, "Hi"))
		assert.Equal(t, http.StatusBadRequest, r.Status)
		got, err := s.WaitClosed(ctx(t), conv.ID)
		require.NoError(t, err)
		assert.Equal(t, altabotstest.StateEndedNoReply, got.State)
	})
}

// A desk that replies from inside its establish handler is in time.
func TestReplyDuringEstablish(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	d.SetAnswer(func(r *http.Request, body []byte) (int, string) {
		if r.URL.Path == altabots.DefaultEstablishPath {
			req, err := altabots.ParseEstablish(body)
			if err != nil {
				return 400, `{"code":40000,"message":"bad"}`
			}
			asDesk(t, s, "/v1/human/message/receive", replyBody(req.ConversationID, "Hello!"))
		}
		return 200, `{"code":0,"message":"success"}`
	})
	conv := escalate(t, s)
	assert.Equal(t, altabotstest.StateActive, conv.State)
	require.Len(t, conv.Replies, 1)
	s.Clock().Advance(2 * time.Minute)
	got, _ := s.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateActive, got.State)
	assert.Len(t, d.Calls(), 1)
}

// Anything but HTTP 200 with code 0 is a refusal, named in a
// *DeskCallError.
func TestDeskRefusesEstablish(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status  int
		body    string
		want    altabotstest.DeskCallError
		message string
	}{
		"500": {500, `{"code":50000,"message":"desk failed"}`,
			altabotstest.DeskCallError{Status: 500, Code: 50000, Message: "desk failed"},
			"answered HTTP 500, code 50000: desk failed"},
		"200 with an error code": {200, `{"code":40000,"message":"conversation_id is required"}`,
			altabotstest.DeskCallError{Status: 200, Code: 40000, Message: "conversation_id is required"}, "code 40000"},
		"200 not JSON": {200, `OK`,
			altabotstest.DeskCallError{Status: 200, Problem: "not a JSON object"}, "not a JSON object"},
		"200 without code": {200, `{"message":"success"}`,
			altabotstest.DeskCallError{Status: 200, Problem: "code is missing"}, "code is missing"},
		"200 with a text code": {200, `{"code":"0","message":"success"}`,
			altabotstest.DeskCallError{Status: 200, Problem: "code is not an integer"}, "integer"},
		"401": {401, `{"code":40100,"message":"credential is not accepted"}`,
			altabotstest.DeskCallError{Status: 401, Code: 40100, Message: "credential is not accepted"}, "HTTP 401"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := newDesk(t)
			d.SetAnswer(func(*http.Request, []byte) (int, string) { return tc.status, tc.body })
			s := newFake(t, d)
			conv, err := s.Escalate(ctx(t), docUser, docTranscript...)
			var dce *altabotstest.DeskCallError
			require.ErrorAs(t, err, &dce)
			require.NotNil(t, conv)
			tc.want.Endpoint, tc.want.ConversationID = altabotstest.EndpointEstablish, conv.ID
			assert.Equal(t, tc.want, *dce)
			assert.Contains(t, err.Error(), tc.message)
			assert.Equal(t, altabotstest.StateRefused, conv.State)
			assert.True(t, conv.Deadline.IsZero())

			calls := s.DeskCalls()
			require.Len(t, calls, 1)
			assert.Equal(t, tc.status, calls[0].Status)
			assert.Equal(t, tc.body, string(calls[0].Answer))
			assert.False(t, calls[0].InFlight)
			assert.Equal(t, err, calls[0].Err)

			// A refused conversation takes neither replies nor user messages.
			assert.ErrorIs(t, s.UserSays(ctx(t), conv.ID, "hi"), altabotstest.ErrNotOpen)
			r := asDesk(t, s, "/v1/human/message/receive", replyBody(conv.ID, "Hi"))
			assert.Equal(t, http.StatusBadRequest, r.Status)
			got, err := s.WaitClosed(ctx(t), conv.ID)
			require.NoError(t, err)
			assert.Equal(t, altabotstest.StateRefused, got.State)
		})
	}
}

func TestDeskUnreachable(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	s := altabotstest.NewServer(t, altabotstest.WithDesk(gone.URL, nil))
	conv, err := s.Escalate(ctx(t), docUser)
	var dce *altabotstest.DeskCallError
	require.ErrorAs(t, err, &dce)
	assert.Zero(t, dce.Status)
	assert.Error(t, dce.Err)
	assert.ErrorIs(t, err, dce.Err)
	assert.Equal(t, altabotstest.StateRefused, conv.State)
}

func TestDeskChatFailureIsReported(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := newFake(t, d)
	conv := escalate(t, s)
	d.SetAnswer(func(*http.Request, []byte) (int, string) { return 503, `{"code":50300,"message":"busy"}` })
	err := s.UserSays(ctx(t), conv.ID, "hello")
	var dce *altabotstest.DeskCallError
	require.ErrorAs(t, err, &dce)
	assert.Equal(t, altabotstest.EndpointChat, dce.Endpoint)
	assert.Equal(t, 503, dce.Status)
	got, _ := s.Conversation(conv.ID)
	assert.Len(t, got.UserMessages, 1, "the user wrote it all the same")
	assert.Equal(t, altabotstest.StateWaitingFirstReply, got.State)
}

func TestEscalateNeedsADesk(t *testing.T) {
	t.Parallel()
	s := altabotstest.NewServer(t)
	_, err := s.Escalate(ctx(t), docUser)
	assert.ErrorIs(t, err, altabotstest.ErrNoDesk)
	e, c, cl := s.DeskURLs()
	assert.Equal(t, [3]string{}, [3]string{e, c, cl})
}

// The desk's credential is redacted from the recorded calls.
func TestDeskCallsRedactTheCredential(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	s := altabotstest.NewServer(t, altabotstest.WithDesk(d.URL, func(r *http.Request) {
		setBearer(r)
		r.Header.Set("X-Desk-Token", deskToken)
	}))
	escalate(t, s)
	assert.Equal(t, deskToken, d.Calls()[0].Header.Get("X-Desk-Token"), "sent as set")
	calls := s.DeskCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, "Bearer [REDACTED]", calls[0].Header.Get("Authorization"))
	assert.Equal(t, "[REDACTED]", calls[0].Header.Get("X-Desk-Token"))
	assert.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
	noSecret(t, s, fmt.Sprintf("%v %+v %#v", calls, calls, calls))
}

// Close cancels a call to the desk under way and waits for it.
func TestCloseCancelsDeskCalls(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	release := make(chan struct{})
	blocking := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer blocking.Close()
	defer close(release)
	s, err := altabotstest.New(altabotstest.WithDesk(blocking.URL, nil))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := s.Escalate(context.Background(), docUser)
		done <- err
	}()
	<-arrived
	s.Close()
	err = <-done
	var dce *altabotstest.DeskCallError
	require.ErrorAs(t, err, &dce)
	assert.ErrorIs(t, err, context.Canceled)

	_, err = s.Escalate(context.Background(), docUser)
	assert.ErrorIs(t, err, altabotstest.ErrClosed)
	_, err = s.WaitClosed(context.Background(), "x")
	assert.ErrorIs(t, err, altabotstest.ErrClosed)
	_, err = s.WaitReplies(context.Background(), "x", 1)
	assert.ErrorIs(t, err, altabotstest.ErrClosed)
	assert.ErrorIs(t, s.UserSays(context.Background(), "x", "hi"), altabotstest.ErrClosed)
	s.Close() // twice is fine
}

// Close stops the first-reply timers: nothing calls the desk afterwards.
func TestCloseStopsDeadlines(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	clock := altabotstest.NewClock(t0)
	s, err := altabotstest.New(altabotstest.WithClock(clock), altabotstest.WithDesk(d.URL, nil))
	require.NoError(t, err)
	escalate(t, s)
	s.Close()
	clock.Advance(time.Hour)
	assert.Len(t, d.Calls(), 1)
	convs := s.Conversations()
	require.Len(t, convs, 1)
	assert.Equal(t, altabotstest.StateEndedNoReply, convs[0].State, "the state still follows the clock")
	assert.Len(t, d.Calls(), 1, "but a closed server calls nobody")
}

func TestWaitErrors(t *testing.T) {
	t.Parallel()
	s := newFake(t, newDesk(t))
	_, err := s.WaitReplies(ctx(t), "nope", 1)
	assert.ErrorIs(t, err, altabotstest.ErrUnknownConversation)
	_, err = s.WaitClosed(ctx(t), "nope")
	assert.ErrorIs(t, err, altabotstest.ErrUnknownConversation)

	conv := escalate(t, s)
	short, cancel := context.WithCancel(ctx(t))
	cancel()
	_, err = s.WaitClosed(short, conv.ID)
	assert.ErrorIs(t, err, context.Canceled, "an open conversation on a frozen clock never closes")
	replies, err := s.WaitReplies(ctx(t), conv.ID, 0)
	assert.NoError(t, err)
	assert.Empty(t, replies)
	assert.False(t, errors.Is(err, altabotstest.ErrNotOpen))
}
