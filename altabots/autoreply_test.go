package altabots

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

const (
	autoText  = "Thanks for waiting — an agent will be with you shortly."
	autoAfter = 45 * time.Second
)

// autoReplyFixture is a handler with WithAutoReply on a testClock, whose
// timers fire synchronously in Advance, and the mock AltaBots its client
// sends to.
type autoReplyFixture struct {
	t       *testing.T
	mock    *clientMock
	client  *Client
	clock   *testClock
	desk    *recordingDesk
	handler *Handler

	mu      sync.Mutex
	replies []autoReplied
}

type autoReplied struct {
	conversation string
	err          error
}

func newAutoReplyFixture(t *testing.T, messageAnswer ...func(*http.Request) (*http.Response, error)) *autoReplyFixture {
	t.Helper()
	f := &autoReplyFixture{t: t, mock: newClientMock(t), clock: newTestClock(), desk: &recordingDesk{}}
	if len(messageAnswer) == 0 {
		f.mock.On(http.MethodPost, testMessagePath, ok)
	} else {
		f.mock.On(http.MethodPost, testMessagePath, messageAnswer[0])
	}
	f.mock.On(http.MethodPost, testClosePath, ok)
	f.client = newTestClient(t, f.mock, WithRetry(0, time.Millisecond))
	f.handler = newTestHandler(t, f.desk, WithClock(f.clock), WithAutoReply(f.client, autoText, autoAfter),
		WithHooks(Hooks{AutoReplied: func(conv string, err error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.replies = append(f.replies, autoReplied{conv, err})
		}}))
	return f
}

// establish sends the page's establish for conv.
func (f *autoReplyFixture) establish(conv string) {
	f.t.Helper()
	f.post(strings.Replace(docEstablish, docConversation, conv, 1))
}

// post sends an establish body, which the desk accepts.
func (f *autoReplyFixture) post(body string) {
	f.t.Helper()
	rec := serve(f.handler, altabotsCall("/conversation/establish", body))
	require.Equal(f.t, http.StatusOK, rec.Code, rec.Body.String())
}

// sent returns the bodies AltaBots received on /v1/human/message/receive.
func (f *autoReplyFixture) sent() []string {
	var out []string
	for _, r := range f.mock.Requests() {
		if r.Path == testMessagePath {
			out = append(out, string(r.Body))
		}
	}
	return out
}

func (f *autoReplyFixture) autoReplies() []autoReplied {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]autoReplied(nil), f.replies...)
}

func autoBody(conv string) string {
	return `{"conversation_id":"` + conv + `","timestamp":` + itoa(int(testNow.UnixMilli())) + `,"body":"` + autoText + `"}`
}

// With no reply from the desk, the text goes out exactly after `after`, and
// the hook hears of it.
func TestAutoReplyFires(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.establish(docConversation)
	assert.Equal(t, 1, f.clock.armed())

	f.clock.Advance(autoAfter - time.Millisecond)
	assert.Empty(t, f.sent(), "not before the delay")
	assert.Empty(t, f.autoReplies())

	f.clock.Advance(time.Millisecond)
	sent := f.sent()
	require.Len(t, sent, 1)
	assert.JSONEq(t, autoBody(docConversation), sent[0])
	assert.Equal(t, []autoReplied{{docConversation, nil}}, f.autoReplies())
	assert.Zero(t, f.clock.armed())

	f.clock.Advance(time.Hour)
	assert.Len(t, f.sent(), 1, "once")
}

// Each conversation has its own timer.
func TestAutoReplyPerConversation(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.establish("conv-a")
	f.clock.Advance(10 * time.Second)
	f.establish("conv-b")
	require.NoError(t, f.client.SendMessage(t.Context(), "conv-b", "Hi, I'm Dana."))
	f.clock.Advance(time.Minute)
	assert.Equal(t, []autoReplied{{"conv-a", nil}}, f.autoReplies())
}

// The ways a due reply is cancelled: the desk replies through the same
// client (after Establish or inside it), MarkReplied, a close call.
func TestAutoReplyCancelled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		act    func(f *autoReplyFixture)
		inside bool // act runs inside Establish
		sends  int  // messages the desk sent itself
	}{
		{name: "desk replied", act: func(f *autoReplyFixture) {
			require.NoError(f.t, f.client.SendMessage(context.Background(), docConversation, "Hi, I'm Dana."))
		}, sends: 1},
		{name: "desk replied inside Establish", inside: true, act: func(f *autoReplyFixture) {
			require.NoError(f.t, f.client.SendMessage(context.Background(), docConversation, "Hi, I'm Dana."))
		}, sends: 1},
		{name: "MarkReplied", act: func(f *autoReplyFixture) { f.handler.MarkReplied(docConversation) }},
		{name: "MarkReplied inside Establish", inside: true, act: func(f *autoReplyFixture) { f.handler.MarkReplied(docConversation) }},
		{name: "AltaBots closed the conversation", act: func(f *autoReplyFixture) {
			assertAnswer(f.t, serve(f.handler, altabotsCall("/conversation/close", docClose)), 200, 0, "success")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAutoReplyFixture(t)
			if tc.inside {
				f.desk.onEstablish = func(context.Context, *EstablishRequest) { tc.act(f) }
				f.establish(docConversation)
			} else {
				f.establish(docConversation)
				f.clock.Advance(autoAfter / 2)
				tc.act(f)
			}
			assert.Zero(t, f.clock.armed())
			f.clock.Advance(time.Hour)
			assert.Len(t, f.sent(), tc.sends)
			assert.Empty(t, f.autoReplies())
		})
	}
}

// A close cancels the timer even when the desk fails it: AltaBots has
// ended the conversation either way.
func TestAutoReplyCancelledByFailedClose(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.establish(docConversation)
	f.desk.err = &DeskError{Status: 503}
	assertAnswer(t, serve(f.handler, altabotsCall("/conversation/close", docClose)), 503, 50300, "Service Unavailable")
	f.clock.Advance(time.Hour)
	assert.Empty(t, f.sent())
}

// A reply through another client, or one AltaBots refused, does not
// count: the automatic reply still goes out.
func TestAutoReplyNotCancelled(t *testing.T) {
	t.Parallel()
	t.Run("another client", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		other := newTestClient(t, f.mock)
		f.establish(docConversation)
		require.NoError(t, other.SendMessage(t.Context(), docConversation, "Hi from elsewhere."))
		f.clock.Advance(autoAfter)
		assert.Len(t, f.sent(), 2)
		assert.Equal(t, []autoReplied{{docConversation, nil}}, f.autoReplies())
	})
	t.Run("refused reply", func(t *testing.T) {
		t.Parallel()
		refused := answer(http.StatusOK, `{"code":40000,"message":"parameter error"}`)
		f := newAutoReplyFixture(t, refused)
		f.establish(docConversation)
		require.ErrorIs(t, f.client.SendMessage(t.Context(), docConversation, "Hi"), ErrParameter)
		f.clock.Advance(autoAfter)
		replies := f.autoReplies()
		require.Len(t, replies, 1)
		assert.ErrorIs(t, replies[0].err, ErrParameter, "the hook gets the failure")
	})
	t.Run("a chat", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		assertAnswer(t, serve(f.handler, altabotsCall("/chat", docChat)), 200, 0, "success")
		f.clock.Advance(autoAfter)
		assert.Len(t, f.autoReplies(), 1, "the user writing does not answer them")
	})
}

// An establish the desk refused is not a handoff: no timer.
func TestAutoReplyOnlyAfterAcceptedEstablish(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.desk.err = &DeskError{Status: 503, Message: "no agent is online"}
	rec := serve(f.handler, altabotsCall("/conversation/establish", docEstablish))
	assertAnswer(t, rec, 503, 50300, "no agent is online")
	assert.Zero(t, f.clock.armed())
	f.clock.Advance(time.Hour)
	assert.Empty(t, f.sent())
}

// establishAt sends the page's establish for conv with another timestamp:
// AltaBots' next handoff of the conversation.
func (f *autoReplyFixture) establishAt(conv string, timestamp UnixMillis) {
	f.t.Helper()
	body := strings.Replace(docEstablish, docConversation, conv, 1)
	body = strings.Replace(body, `"timestamp": 1742265090895`, `"timestamp": `+timestamp.String(), 1)
	require.NotEqual(f.t, strings.Replace(docEstablish, docConversation, conv, 1), body, "timestamp replaced")
	f.post(body)
}

// AltaBots repeating an establish (same conversation and timestamp) is the
// same handoff: its wait counts from the first, and an answered one gets
// no second reply. A new establish (another timestamp) is a new handoff.
func TestAutoReplyReestablish(t *testing.T) {
	t.Parallel()
	t.Run("repeat keeps the first timer", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		f.clock.Advance(30 * time.Second)
		f.establish(docConversation)
		assert.Equal(t, 1, f.clock.armed())
		f.clock.Advance(autoAfter - 30*time.Second) // 45 s after the first
		assert.Len(t, f.sent(), 1, "inside AltaBots' wait, which began with the first establish")
		f.clock.Advance(time.Hour)
		assert.Len(t, f.sent(), 1)
		establishes, _, _ := f.desk.calls()
		assert.Equal(t, 2, establishes, "the desk hears of both")
	})
	t.Run("repeat after the desk replied", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		require.NoError(t, f.client.SendMessage(t.Context(), docConversation, "Hi, I'm Dana."))
		f.clock.Advance(20 * time.Second)
		f.establish(docConversation)
		assert.Zero(t, f.clock.armed())
		f.clock.Advance(time.Hour)
		assert.Len(t, f.sent(), 1, "only Dana's")
		assert.Empty(t, f.autoReplies())
	})
	t.Run("repeat after the automatic reply", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		f.clock.Advance(autoAfter + time.Second)
		f.establish(docConversation)
		f.clock.Advance(time.Hour)
		assert.Len(t, f.autoReplies(), 1)
	})
	t.Run("new handoff", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		require.NoError(t, f.client.SendMessage(t.Context(), docConversation, "Hi, I'm Dana."))
		f.clock.Advance(10 * time.Minute)
		f.establishAt(docConversation, Millis(f.clock.Now()))
		assert.Equal(t, 1, f.clock.armed(), "the desk must reply to the new handoff")
		f.clock.Advance(autoAfter)
		assert.Equal(t, []autoReplied{{docConversation, nil}}, f.autoReplies())
	})
	t.Run("new handoff while the first is due", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		f.clock.Advance(30 * time.Second)
		f.establishAt(docConversation, Millis(f.clock.Now()))
		assert.Equal(t, 1, f.clock.armed(), "the new timer replaced the first")
		f.clock.Advance(autoAfter - time.Second) // 74 s after the first
		assert.Empty(t, f.sent())
		f.clock.Advance(time.Second)
		assert.Len(t, f.sent(), 1)
	})
	t.Run("repeat after a close", func(t *testing.T) {
		t.Parallel()
		f := newAutoReplyFixture(t)
		f.establish(docConversation)
		require.NoError(t, f.client.SendMessage(t.Context(), docConversation, "Hi, I'm Dana."))
		assertAnswer(t, serve(f.handler, altabotsCall("/conversation/close", docClose)), 200, 0, "success")
		f.establish(docConversation) // a late repeat of the closed handoff
		f.clock.Advance(autoAfter)
		assert.Empty(t, f.autoReplies(), "nothing is sent into a closed conversation")
		f.establishAt(docConversation, Millis(f.clock.Now()))
		f.clock.Advance(autoAfter)
		assert.Len(t, f.autoReplies(), 1, "a new establish after the close is a new handoff")
	})
}

// Answered handoffs are remembered for AltaBots' waiting time only: the
// handler's memory stays bounded by the establishes of the last minute.
func TestAutoReplyForgetsAnsweredHandoffs(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	const n = 5 * minPrune
	for i := range n {
		conv := "conv-" + itoa(i)
		f.establish(conv)
		f.handler.MarkReplied(conv)
		f.clock.Advance(time.Second)
	}
	f.handler.auto.mu.Lock()
	kept := len(f.handler.auto.pending)
	f.handler.auto.mu.Unlock()
	assert.LessOrEqual(t, kept, 2*int(WaitingTime/time.Second)+minPrune,
		"answered handoffs older than WaitingTime were pruned")
	// The last handoffs are still remembered: a repeat arms nothing.
	f.establish("conv-" + itoa(n-1))
	assert.Zero(t, f.clock.armed())
}

// A prune that runs while a desk's Establish is still running keeps that
// handoff, even when the desk already replied inside it.
func TestAutoReplyPruneSparesHandoffsBeingEstablished(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	for i := range minPrune - 1 { // the next establish after target's prunes
		conv := "old-" + itoa(i)
		f.establish(conv)
		f.handler.MarkReplied(conv)
	}
	f.clock.Advance(2 * WaitingTime)
	f.desk.onEstablish = func(_ context.Context, req *EstablishRequest) {
		if req.ConversationID == "target" {
			f.handler.MarkReplied("target")
			f.establish("trigger") // prunes the old handoffs
		}
	}
	f.establish("target")
	f.desk.onEstablish = nil
	f.handler.auto.mu.Lock()
	kept := len(f.handler.auto.pending)
	f.handler.auto.mu.Unlock()
	assert.Equal(t, 2, kept, "the old handoffs were pruned; target and trigger are kept")

	f.establish("target") // AltaBots repeats it
	f.clock.Advance(autoAfter)
	assert.Equal(t, []autoReplied{{"trigger", nil}}, f.autoReplies(), "target was answered inside Establish")
}

// Close stops the timers, is idempotent, and later establishes start none.
func TestAutoReplyClose(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.establish("conv-a")
	f.establish("conv-b")
	assert.Equal(t, 2, f.clock.armed())
	f.handler.Close()
	f.handler.Close()
	assert.Zero(t, f.clock.armed())
	f.establish("conv-c")
	assert.Zero(t, f.clock.armed())
	f.clock.Advance(time.Hour)
	assert.Empty(t, f.sent())
	f.client.observers.mu.Lock()
	assert.Empty(t, f.client.observers.fns, "the handler no longer listens to the client")
	f.client.observers.mu.Unlock()
}

// On internal/fakeserver's Clock (altabotstest.Clock), whose timers run in
// their own goroutines: the reply goes out once the clock passes the
// delay, and Close waits for a reply being sent.
func TestAutoReplyOnFakeServerClock(t *testing.T) {
	t.Parallel()
	clock := fakeserver.NewClock(testNow)
	entered := make(chan struct{})
	release := make(chan struct{})
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, func(req *http.Request) (*http.Response, error) {
		entered <- struct{}{}
		<-release
		return ok(req)
	})
	client := newTestClient(t, m)
	done := make(chan autoReplied, 1)
	order := make(chan string, 2) // what finished, in order
	h, err := NewHandler(&recordingDesk{}, WithAuthenticator(bearer(t)), WithClock(clock),
		WithAutoReply(client, autoText, autoAfter),
		WithHooks(Hooks{AutoReplied: func(conv string, err error) {
			order <- "reply"
			done <- autoReplied{conv, err}
		}}))
	require.NoError(t, err)
	rec := serve(h, altabotsCall("/conversation/establish", docEstablish))
	require.Equal(t, 200, rec.Code)
	rec = serve(h, altabotsCall("/conversation/establish", strings.Replace(docEstablish, docConversation, "conv-b", 1)))
	require.Equal(t, 200, rec.Code)
	h.MarkReplied("conv-b")

	clock.Advance(autoAfter)
	waitFor(t, entered)

	closed := make(chan struct{})
	go func() {
		h.Close()
		order <- "Close"
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while an automatic reply was being sent")
	case <-done:
		t.Fatal("the hook ran before the reply was answered")
	default:
	}
	// A Close that did not wait would return now: give it every chance
	// before the reply is answered. A Close that waits finishes after the
	// reply whatever the scheduling, so this cannot fail falsely.
	for range 1000 {
		runtime.Gosched()
	}
	close(release)
	got := waitFor(t, done)
	assert.Equal(t, autoReplied{docConversation, nil}, got)
	waitFor(t, closed)
	assert.Equal(t, "reply", <-order, "Close waited for the reply being sent")
	assert.Equal(t, "Close", <-order)
	require.Len(t, m.Requests(), 1)
	assert.Contains(t, string(m.Requests()[0].Body), `"conversation_id":"`+docConversation+`"`)
}

// waitFor receives from ch, failing the test if nothing arrives in a long
// while (a guard against a hang, not a timing assertion).
func waitFor[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}

// A desk that panics in Establish leaves nothing due: the panic goes on
// to net/http, and no timer or record stays behind.
func TestAutoReplyDeskPanics(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.desk.onEstablish = func(context.Context, *EstablishRequest) { panic("desk bug") }
	assert.PanicsWithValue(t, "desk bug", func() {
		serve(f.handler, altabotsCall("/conversation/establish", docEstablish))
	})
	assert.Zero(t, f.clock.armed())
	f.handler.auto.mu.Lock()
	assert.Empty(t, f.handler.auto.pending)
	f.handler.auto.mu.Unlock()
}

// On the default clock (package time) the reply goes out after the delay;
// the log has the outcome, never the key.
func TestAutoReplyRealClockAndLog(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answer(http.StatusUnauthorized, `{"code":40127,"message":"bad key `+testAPIKey+`"}`))
	client := newTestClient(t, m)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	done := make(chan error, 1)
	h := newTestHandler(t, &recordingDesk{}, WithHandlerLogger(logger), WithAutoReply(client, autoText, time.Millisecond),
		WithHooks(Hooks{AutoReplied: func(_ string, err error) { done <- err }}))
	require.Equal(t, 200, serve(h, altabotsCall("/conversation/establish", docEstablish)).Code)
	err := waitFor(t, done)
	require.ErrorIs(t, err, ErrAuthentication)
	h.Close()
	out := logs.String()
	assert.Contains(t, out, "automatic reply failed")
	assert.Contains(t, out, "conversation_id="+docConversation)
	assert.NotContains(t, out, testAPIKey)
	assert.NotContains(t, out, testToken)
}

// syncBuffer is a bytes.Buffer safe for the timer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A timer that runs after AltaBots' waiting time sends nothing and says
// why.
func TestAutoReplyTooLate(t *testing.T) {
	t.Parallel()
	f := newAutoReplyFixture(t)
	f.establish(docConversation)
	f.clock.jump(WaitingTime + time.Second)
	f.clock.Advance(0) // the timer runs only now
	assert.Empty(t, f.sent())
	replies := f.autoReplies()
	require.Len(t, replies, 1)
	assert.ErrorIs(t, replies[0].err, ErrAutoReplyTooLate)
	assert.EqualError(t, replies[0].err, "altabots: automatic reply not sent: AltaBots' waiting time has passed")
}
