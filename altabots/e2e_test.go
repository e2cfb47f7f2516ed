package altabots_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
)

// The end-to-end flow of a desk against the fake AltaBots: AltaBots hands
// a conversation over, the desk's handler sends the automatic first reply
// inside AltaBots' 60-second waiting time, the user and the desk talk,
// and the user closes. A handoff.Controller fed from the desk's calls
// says a human owns the conversation in between.

// e2eDeskToken is the credential AltaBots' webhook settings give the desk.
const e2eDeskToken = "e2e-desk-token-2f6b1c"

// e2eAutoText is the automatic first reply.
const e2eAutoText = "Hi, a human will be with you shortly."

// e2eStart is the fake clock's start: the handoff page's example timestamp.
var e2eStart = time.UnixMilli(1742265090895).UTC()

// e2eDesk is the program under test: a Desk that records AltaBots' calls
// and feeds a handoff controller.
type e2eDesk struct {
	t       *testing.T
	handoff *handoff.Controller

	mu          sync.Mutex
	establish   []*altabots.EstablishRequest
	chats       []*altabots.ChatRequest
	closes      []*altabots.CloseRequest
	autoReplies chan error
}

func (d *e2eDesk) observe(ctx context.Context, req any) error {
	for _, ev := range altabots.HandoffEvents(req) {
		if _, err := d.handoff.Observe(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

func (d *e2eDesk) Establish(ctx context.Context, req *altabots.EstablishRequest) error {
	d.mu.Lock()
	d.establish = append(d.establish, req)
	d.mu.Unlock()
	return d.observe(ctx, req)
}

func (d *e2eDesk) Chat(ctx context.Context, req *altabots.ChatRequest) error {
	d.mu.Lock()
	d.chats = append(d.chats, req)
	d.mu.Unlock()
	return d.observe(ctx, req)
}

func (d *e2eDesk) Close(ctx context.Context, req *altabots.CloseRequest) error {
	d.mu.Lock()
	d.closes = append(d.closes, req)
	d.mu.Unlock()
	return d.observe(ctx, req)
}

// calls returns copies of what the desk received.
func (d *e2eDesk) calls() (est []*altabots.EstablishRequest, chats []*altabots.ChatRequest, closes []*altabots.CloseRequest) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(est, d.establish...), append(chats, d.chats...), append(closes, d.closes...)
}

// owner asks the controller who owns the conversation.
func (d *e2eDesk) owner(conversationID string) handoff.State {
	d.t.Helper()
	dec, err := d.handoff.Decide(context.Background(), conversationID)
	require.NoError(d.t, err)
	return dec.State
}

// e2eWorld is the fake AltaBots, the desk's handler on its endpoint, and
// the client the desk replies with, all on one fake clock.
type e2eWorld struct {
	clock    *altabotstest.Clock
	altabots *altabotstest.Server
	client   *altabots.Client
	desk     *e2eDesk
}

// newE2EWorld starts everything. autoReply adds WithAutoReply (45 s).
func newE2EWorld(t *testing.T, autoReply bool) *e2eWorld {
	t.Helper()
	w := &e2eWorld{clock: altabotstest.NewClock(e2eStart)}
	ctl, err := handoff.New(nil, handoff.WithClock(w.clock.Now))
	require.NoError(t, err)
	w.desk = &e2eDesk{t: t, handoff: ctl, autoReplies: make(chan error, 10)}

	// The fake must know the desk's URL, and the desk's client the fake's:
	// the endpoint starts first and serves the handler once it is built.
	var handler http.Handler
	endpoint := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(rw, r)
	}))
	t.Cleanup(endpoint.Close)
	setBearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e2eDeskToken) }
	w.altabots = altabotstest.NewServer(t, altabotstest.WithClock(w.clock), altabotstest.WithDesk(endpoint.URL, setBearer))

	w.client, err = altabots.NewClient(w.altabots.APIKey(), altabots.WithBaseURL(w.altabots.URL),
		altabots.WithHTTPClient(w.altabots.Client()), altabots.WithRetry(3, 10*time.Millisecond),
		altabots.WithNow(w.clock.Now))
	require.NoError(t, err)
	auth, err := webhookverify.BearerToken(e2eDeskToken)
	require.NoError(t, err)
	opts := []altabots.HandlerOption{
		altabots.WithAuthenticator(auth),
		altabots.WithClock(w.clock),
		altabots.WithHooks(altabots.Hooks{
			AutoReplied: func(_ string, err error) { w.desk.autoReplies <- err },
			Refused: func(r *http.Request, status int, err error) {
				t.Errorf("the handler refused %s with %d: %v", r.URL.Path, status, err)
			},
		}),
	}
	if autoReply {
		opts = append(opts, altabots.WithAutoReply(w.client, e2eAutoText, 45*time.Second))
	}
	h, err := altabots.NewHandler(w.desk, opts...)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	handler = h
	return w
}

// e2eCtx is bounded so that a hang fails the test.
func e2eCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// e2eTranscript is the handoff page's example body.
var e2eTranscript = []altabots.Message{
	{Text: "human service", Type: altabots.Question},
	{Text: "", Type: altabots.Answer},
}

var e2eUser = altabotstest.User{Email: "bob@gmail.com", UserID: "KDslas", AnonymousID: "652face5184b30540a6ea7fe"}

func TestDeskFlow(t *testing.T) {
	t.Parallel()
	w := newE2EWorld(t, true)
	ctx := e2eCtx(t)

	// AltaBots hands the conversation over; the desk accepts it.
	conv, err := w.altabots.Escalate(ctx, e2eUser, e2eTranscript...)
	require.NoError(t, err)
	est, _, _ := w.desk.calls()
	require.Len(t, est, 1)
	assert.Equal(t, conv.ID, est[0].ConversationID)
	assert.Equal(t, altabots.Millis(e2eStart), est[0].Timestamp)
	assert.Equal(t, "bob@gmail.com", est[0].Email)
	assert.Equal(t, w.altabots.BotID(), est[0].BotID)
	assert.Equal(t, e2eTranscript, est[0].Body)
	assert.Equal(t, altabots.UserInfo{Email: "bob@gmail.com", UserID: "KDslas", AnonymousID: "652face5184b30540a6ea7fe"}, est[0].UserInfo)
	assert.Equal(t, altabotstest.StateWaitingFirstReply, conv.State)
	assert.Equal(t, handoff.Human, w.desk.owner(conv.ID), "the desk took the conversation")

	// Nobody at the desk answers: 45 s later the handler replies itself,
	// inside AltaBots' 60 s.
	w.clock.Advance(45 * time.Second)
	replies, err := w.altabots.WaitReplies(ctx, conv.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, e2eAutoText, replies[0].Body)
	assert.Equal(t, e2eStart.Add(45*time.Second), replies[0].At)
	assert.Equal(t, altabots.Millis(e2eStart.Add(45*time.Second)), replies[0].Timestamp, "the desk's clock is the fake's")
	assert.True(t, replies[0].At.Before(conv.Deadline))
	assert.NoError(t, <-w.desk.autoReplies)
	got, _ := w.altabots.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateActive, got.State)

	// The deadline passes without consequence.
	w.clock.Advance(30 * time.Second)
	got, _ = w.altabots.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateActive, got.State)

	// The user writes; the desk gets it and answers through the client.
	require.NoError(t, w.altabots.UserSays(ctx, conv.ID, "My order never arrived."))
	_, chats, _ := w.desk.calls()
	require.Len(t, chats, 1)
	assert.Equal(t, conv.ID, chats[0].ConversationID)
	assert.Equal(t, "My order never arrived.", chats[0].Body)
	assert.Equal(t, altabots.Millis(e2eStart.Add(75*time.Second)), chats[0].Timestamp)

	require.NoError(t, w.client.SendMessage(ctx, conv.ID, "I'm Dana. Let me look into your order."))
	_, err = w.desk.handoff.Observe(ctx, altabots.ReplyEvent(conv.ID, w.clock.Now()))
	require.NoError(t, err)
	got, _ = w.altabots.Conversation(conv.ID)
	require.Len(t, got.Replies, 2)
	assert.Equal(t, "I'm Dana. Let me look into your order.", got.Replies[1].Body)
	assert.Equal(t, handoff.Human, w.desk.owner(conv.ID))

	// The user closes: the desk hears USER_CLOSED and the bot owns the
	// conversation again.
	require.NoError(t, w.altabots.UserCloses(ctx, conv.ID))
	_, _, closes := w.desk.calls()
	require.Len(t, closes, 1)
	assert.Equal(t, altabots.CloseUserClosed, closes[0].Type)
	assert.Equal(t, handoff.Bot, w.desk.owner(conv.ID))
	got, _ = w.altabots.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateClosed, got.State)
	assert.Equal(t, altabotstest.ReasonUserClosed, got.CloseReason)

	for _, call := range w.altabots.DeskCalls() {
		assert.NoError(t, call.Err, "%s", call.Endpoint)
		assert.Equal(t, "Bearer [REDACTED]", call.Header.Get("Authorization"))
	}
	select {
	case err := <-w.desk.autoReplies:
		t.Errorf("a second automatic reply: %v", err)
	default:
	}
}

// Without an automatic reply and with nobody answering, AltaBots ends the
// handoff after its waiting time and tells the desk with a TIMEOUT close.
func TestDeskFlowMissedDeadline(t *testing.T) {
	t.Parallel()
	w := newE2EWorld(t, false)
	ctx := e2eCtx(t)
	conv, err := w.altabots.Escalate(ctx, e2eUser, e2eTranscript...)
	require.NoError(t, err)
	assert.Equal(t, handoff.Human, w.desk.owner(conv.ID))

	w.clock.Advance(61 * time.Second)
	got, err := w.altabots.WaitClosed(ctx, conv.ID)
	require.NoError(t, err)
	assert.Equal(t, altabotstest.StateEndedNoReply, got.State)
	assert.Equal(t, altabotstest.ReasonNoReply, got.CloseReason)
	assert.Empty(t, got.Replies)

	_, _, closes := w.desk.calls()
	require.Len(t, closes, 1)
	assert.Equal(t, conv.ID, closes[0].ConversationID)
	assert.Equal(t, altabots.CloseTimeout, closes[0].Type)
	assert.Equal(t, altabots.Millis(e2eStart.Add(60*time.Second)), closes[0].Timestamp)
	assert.Equal(t, handoff.Bot, w.desk.owner(conv.ID))

	// The desk's late reply is refused, as AltaBots' parameter error.
	err = w.client.SendMessage(ctx, conv.ID, "Sorry for the wait!")
	assert.ErrorIs(t, err, altabots.ErrParameter)
	assert.ErrorIs(t, err, altabots.ErrValidation)
}

// AltaBots (or a gateway before it) answers the automatic reply 503 once:
// the client sends it again, since a 503 means "not processed", and the
// reply still arrives in time.
func TestDeskFlowAutoReplyRetried(t *testing.T) {
	t.Parallel()
	w := newE2EWorld(t, true)
	ctx := e2eCtx(t)
	w.altabots.FailNext(altabotstest.RouteMessageReceive, http.StatusServiceUnavailable, 1)
	conv, err := w.altabots.Escalate(ctx, e2eUser, e2eTranscript...)
	require.NoError(t, err)

	w.clock.Advance(45 * time.Second)
	replies, err := w.altabots.WaitReplies(ctx, conv.ID, 1)
	require.NoError(t, err)
	require.Len(t, replies, 1, "the reply arrived once")
	assert.Equal(t, e2eAutoText, replies[0].Body)
	assert.NoError(t, <-w.desk.autoReplies, "Hooks.AutoReplied reports the retried reply as sent")

	var statuses []int
	for _, r := range w.altabots.Requests() {
		assert.Equal(t, altabotstest.RouteMessageReceive, r.Route)
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{http.StatusServiceUnavailable, http.StatusOK}, statuses)
	got, _ := w.altabots.Conversation(conv.ID)
	assert.Equal(t, altabotstest.StateActive, got.State)
}
