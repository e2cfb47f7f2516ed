package certainlytest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// The handover page, steps 2–6, from the user's side: the bot answers in
// normal mode, says nothing in listen mode (the message goes to the
// message webhook), the agent's messages reach the user, and a takeover
// gives the user back to the bot.
func TestModesFollowTheHandoverFlow(t *testing.T) {
	t.Parallel()
	clock := certainlytest.NewClock(t0)
	rc := newReceiver(t)
	s := certainlytest.NewServer(t, certainlytest.WithClock(clock),
		certainlytest.WithWebhooks(rc.URL, rc.URL+"/messages", nil))

	r, err := s.UserSays(ctx(t), "user-1", "Where is my order?")
	require.NoError(t, err)
	assert.Equal(t, &certainlytest.Reply{Mode: certainlytest.ModeNormal, Text: "Bot: you said Where is my order?"}, r)

	// Step 2: GET …/handover/{userId}/ puts the bot in listen mode.
	clock.Advance(time.Second)
	h := handover(t, s, "user-1")
	require.Equal(t, http.StatusOK, h.Status, "%s", h.Body)
	assert.Equal(t, map[string]any{"botId": s.BotID(), "userId": "user-1", "mode": "listen"}, h.JSON(t))

	// Steps 3–4: the user's message goes to the webhook, the bot is quiet.
	clock.Advance(time.Second)
	r, err = s.UserSays(ctx(t), "user-1", "Hello?")
	require.NoError(t, err)
	assert.Equal(t, certainlytest.ModeListen, r.Mode)
	assert.Empty(t, r.Text)
	require.NotNil(t, r.Delivery)
	assert.Equal(t, http.StatusNoContent, r.Delivery.StatusCode)
	require.Len(t, rc.Calls(), 1)

	// Step 5: the agent answers.
	clock.Advance(time.Second)
	m := send(t, s, "user-1", `{"message":"Hello from Agent!"}`)
	require.Equal(t, http.StatusOK, m.Status, "%s", m.Body)
	assert.Equal(t, map[string]any{"botId": s.BotID(), "userId": "user-1", "message": "Hello from Agent!"}, m.JSON(t))

	// Takeover: the bot resumes and answers again.
	clock.Advance(time.Second)
	tk := takeover(t, s, "user-1", "")
	require.Equal(t, http.StatusOK, tk.Status)
	assert.Equal(t, "normal", tk.JSON(t)["mode"])
	r, err = s.UserSays(ctx(t), "user-1", "Thanks")
	require.NoError(t, err)
	assert.Equal(t, "Bot: you said Thanks", r.Text)

	u, ok := s.User("user-1")
	require.True(t, ok)
	assert.Equal(t, certainlytest.ModeNormal, u.Mode)
	assert.Equal(t, []string{""}, u.ClaimEnds, "one takeover, without ClaimEnd")
	assert.Regexp(t, `^[0-9a-f-]{36}$`, u.SessionID)
	assert.Equal(t, t0, u.CreatedAt)
	assert.Equal(t, []certainlytest.Message{
		{Interlocutor: certainly.InterlocutorUser, Text: "Where is my order?", At: t0},
		{Interlocutor: certainly.InterlocutorBot, Text: "Bot: you said Where is my order?", At: t0},
		{Interlocutor: certainly.InterlocutorUser, Text: "Hello?", At: t0.Add(2 * time.Second)},
		{Interlocutor: certainly.InterlocutorAgent, Text: "Hello from Agent!", At: t0.Add(3 * time.Second)},
		{Interlocutor: certainly.InterlocutorUser, Text: "Thanks", At: t0.Add(4 * time.Second)},
		{Interlocutor: certainly.InterlocutorBot, Text: "Bot: you said Thanks", At: t0.Add(4 * time.Second)},
	}, u.Transcript)
	assert.Equal(t, []string{"Hello from Agent!"}, s.AgentMessages("user-1"))
}

// ClaimEnd sends the user on to the next module of the flow
// (certainly-api-notes.md); every takeover is recorded, with its ClaimEnd
// or "".
func TestTakeoverRecordsClaimEnd(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	handover(t, s, "u1")
	require.Equal(t, http.StatusOK, takeover(t, s, "u1", "?ClaimEnd=resolved%20by%20agent").Status)
	require.Equal(t, http.StatusOK, takeover(t, s, "u1", "?ClaimEnd=").Status)
	require.Equal(t, http.StatusOK, takeover(t, s, "u1", "").Status)
	u, _ := s.User("u1")
	assert.Equal(t, []string{"resolved by agent", "", ""}, u.ClaimEnds)
	require.Len(t, u.Transcript, 1, "only a takeover with a ClaimEnd moves the bot on")
	assert.Equal(t, certainly.InterlocutorBot, u.Transcript[0].Interlocutor)
	assert.Equal(t, "Moving on to the next module: resolved by agent", u.Transcript[0].Text)
}

// The agent message body of the handover page, step 5: {"message": "…"}.
func TestAgentMessageBody(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	required := map[string]any{"detail": "message is required"}
	for _, tc := range []struct {
		body   string
		status int
		detail map[string]any
	}{
		{`{}`, 400, required},
		{`{"message":""}`, 400, required},
		{`{"message":null}`, 400, required},
		{`{"text":"hi"}`, 400, required},
		{`{"message":42}`, 400, map[string]any{"detail": "message must be a string"}},
		{`not json`, 400, map[string]any{"detail": "JSON parse error - the body must be a JSON object"}},
		{`["message"]`, 400, map[string]any{"detail": "JSON parse error - the body must be a JSON object"}},
		{`null`, 400, map[string]any{"detail": "JSON parse error - the body must be a JSON object"}},
		{`{"message":"Hello from Agent!","extra":1}`, 200, nil},
	} {
		r := send(t, s, "u1", tc.body)
		assert.Equal(t, tc.status, r.Status, tc.body)
		if tc.detail != nil {
			assert.Equal(t, tc.detail, r.JSON(t), tc.body)
		}
	}
	assert.Equal(t, []string{"Hello from Agent!"}, s.AgentMessages("u1"))

	big := `{"message":"` + string(make([]byte, 2<<20)) + `"}`
	r := send(t, s, "u1", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	assert.Equal(t, map[string]any{"detail": "Request body too large."}, r.JSON(t))
}

func TestBotIsScriptable(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	s := certainlytest.NewServer(t, certainlytest.WithBot(func(userID, text string) string {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, userID+": "+text)
		if text == "quiet" {
			return ""
		}
		return "Hi " + userID
	}))
	r, err := s.UserSays(ctx(t), "ann", "hello")
	require.NoError(t, err)
	assert.Equal(t, "Hi ann", r.Text)
	r, err = s.UserSays(ctx(t), "ann", "quiet")
	require.NoError(t, err)
	assert.Empty(t, r.Text, "a bot that returns nothing says nothing")
	u, _ := s.User("ann")
	assert.Len(t, u.Transcript, 3)
	assert.Equal(t, []string{"ann: hello", "ann: quiet"}, asked)

	s.SetBot(nil)
	r, err = s.UserSays(ctx(t), "ann", "echo")
	require.NoError(t, err)
	assert.Equal(t, "Bot: you said echo", r.Text)
}

func TestUserSaysValidatesItsInput(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	for _, tc := range []struct{ user, text, want string }{
		{"", "hi", "UserSays: userID is empty"},
		{"a\x00b", "hi", "UserSays: userID holds a control character"},
		{"\xff", "hi", "UserSays: userID is not valid UTF-8"},
		{"u1", "", "UserSays: text is empty"},
		{"u1", "\xff", "UserSays: text is not valid UTF-8"},
	} {
		_, err := s.UserSays(ctx(t), tc.user, tc.text)
		assert.ErrorContains(t, err, tc.want)
	}
	assert.ErrorContains(t, s.UserAsksForHuman(ctx(t), ""), "UserAsksForHuman: userID is empty")
	assert.Empty(t, s.Users())
}

// WaitMode and WaitAgentMessages wait for code that calls the fake from
// its own goroutine, without sleeping.
func TestWaitModeAndAgentMessages(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	require.NoError(t, s.WaitMode(ctx(t), "never-seen", certainlytest.ModeNormal), "an unknown user is in normal mode")

	// The program runs beside the test; it takes the user back only once the
	// test saw the listen mode and the messages (a waiter sees the mode it is
	// in when it looks, not one that has come and gone).
	release, done := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // when the test fails first
	go func() {
		defer close(done)
		handover(t, s, "u1")
		send(t, s, "u1", `{"message":"one"}`)
		send(t, s, "u1", `{"message":"two"}`)
		<-release
		takeover(t, s, "u1", "")
	}()
	require.NoError(t, s.WaitMode(ctx(t), "u1", certainlytest.ModeListen))
	got, err := s.WaitAgentMessages(ctx(t), "u1", 2)
	free()
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "two"}, got)
	<-done
	require.NoError(t, s.WaitMode(ctx(t), "u1", certainlytest.ModeNormal))

	short, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.WaitMode(short, "u1", certainlytest.ModeListen), context.Canceled)
	_, err = s.WaitAgentMessages(short, "u1", 3)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, s.WaitMode(ctx(t), "u1", "paused"), `unknown mode "paused"`)
}

// Close wakes a waiter with ErrClosed.
func TestCloseEndsWaits(t *testing.T) {
	t.Parallel()
	s, err := certainlytest.New()
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- s.WaitMode(context.Background(), "u1", certainlytest.ModeListen) }()
	s.Close()
	assert.ErrorIs(t, <-errc, certainlytest.ErrClosed)
}

func TestUsersInOrderOfFirstMention(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	_, err := s.UserSays(ctx(t), "b", "hi")
	require.NoError(t, err)
	handover(t, s, "a")
	send(t, s, "c", `{"message":"hi"}`)
	_, err = s.UserSays(ctx(t), "a", "hi")
	require.ErrorIs(t, err, certainlytest.ErrNoWebhook, "a is in listen mode and no webhook is set")
	var ids []string
	for _, u := range s.Users() {
		ids = append(ids, u.ID)
	}
	assert.Equal(t, []string{"b", "a", "c"}, ids)
	a, _ := s.User("a")
	assert.Len(t, a.Transcript, 1, "the user's message is recorded even without a webhook")

	// Snapshots are copies.
	a.Transcript[0].Text = "changed"
	again, _ := s.User("a")
	assert.Equal(t, "hi", again.Transcript[0].Text)
}
