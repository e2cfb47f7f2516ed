package munintest_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

func TestDashboardReplyTellsTheBotToStepBack(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s, id := newConv(t, munintest.WithClock(clock))
	rc := newReceiver(t)
	subscribe(t, s, rc, "conversation.message.sent", "conversation.taken_over")
	d := s.Dashboard()
	assert.Regexp(t, `^[A-Za-z0-9]{32}$`, d.UserID())

	m, err := d.Reply(id, "Hi, Sam here.")
	require.NoError(t, err)
	assert.Equal(t, "user", m.AuthorType)
	assert.Equal(t, d.UserID(), m.AuthorID)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	// Deliveries run concurrently: their order is not guaranteed, as on
	// Munin (§3.2).
	byType := map[string]string{}
	for _, g := range rc.Calls() {
		byType[g.Header.Get("X-Munin-Event")] = string(g.Body)
	}
	require.Len(t, byType, 2)
	assert.Contains(t, byType["conversation.taken_over"],
		fmt.Sprintf(`"payload":{"holderId":%q,"expiresAt":"2026-08-21T10:30:00.000Z","holderType":"user","conversationId":%q}`, d.UserID(), id))
	assert.Contains(t, byType["conversation.message.sent"], fmt.Sprintf(`"messageId":%q,"authorType":"user"`, m.ID))

	// The bot is now refused; a second reply refreshes the claim silently.
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "bot"})
	assert.Equal(t, http.StatusConflict, r.Status)
	clock.Advance(20 * time.Minute)
	_, err = d.Reply(id, "Still here.")
	require.NoError(t, err)
	conv, _ := s.Conversation(id)
	require.NotNil(t, conv.Claim)
	assert.Equal(t, t0.Add(50*time.Minute), conv.Claim.ExpiresAt, "a reply resets the claim to the post + 30 min")
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	assert.Len(t, rc.Calls(), 3, "no second taken_over")

	// Thirty minutes after the last reply the bot may speak again.
	clock.Advance(30 * time.Minute)
	r = call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "bot"})
	assert.Equal(t, http.StatusCreated, r.Status)
}

func TestDashboardAIReplyAndNotes(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	d := s.Dashboard()
	ai, err := d.AIReply(id, "I'm Munin's assistant.")
	require.NoError(t, err)
	assert.Equal(t, "agent", ai.AuthorType)
	note, err := d.Note(id, "VIP customer")
	require.NoError(t, err)
	assert.True(t, note.Internal)
	types := eventTypes(s)
	assert.Equal(t, "conversation.message.sent", types[len(types)-1], "the note emits nothing")

	_, err = d.TakeOver(id, 5*time.Minute)
	require.NoError(t, err)
	_, err = d.AIReply(id, "again")
	assert.ErrorContains(t, err, "handover_active", "Munin's AI stays out of a claimed conversation")
	_, err = d.TakeOver(id, 300*time.Minute)
	assert.Error(t, err)
	_, err = d.Reply("ccv_nope", "x")
	assert.EqualError(t, err, "conv_not_found: conversation ccv_nope")
}

func TestDashboardAssignAndClose(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	d := s.Dashboard()
	require.NoError(t, d.Assign(id, d.UserID()))
	conv, _ := s.Conversation(id)
	assert.Equal(t, d.UserID(), conv.AssigneeUserID)
	require.NoError(t, d.Assign(id, ""))
	_, err := d.TakeOver(id, 0)
	require.NoError(t, err)
	require.NoError(t, d.Close(id))
	conv, _ = s.Conversation(id)
	assert.Equal(t, "closed", conv.Status)
	assert.Nil(t, conv.Claim)
	types := eventTypes(s)
	assert.Equal(t, []string{"conversation.assigned", "conversation.assigned", "conversation.taken_over",
		"conversation.status_changed", "conversation.released"}, types[2:])
	require.NoError(t, d.SetStatus(id, "snoozed", t0))
	conv, _ = s.Conversation(id)
	require.NotNil(t, conv.SnoozeUntil)
	assert.Error(t, d.SetStatus(id, "asleep", time.Time{}))

	// The visitor writing again reopens it and ends the snooze.
	pushSession(t, s, "vis_a", msg("still there?"))
	conv, _ = s.Conversation(id)
	assert.Equal(t, "open", conv.Status)
	assert.Nil(t, conv.SnoozeUntil)
}

func TestClock(t *testing.T) {
	t.Parallel()
	c := munintest.NewClock(t0)
	assert.Equal(t, t0, c.Now())
	assert.Equal(t, t0.Add(time.Hour), c.Advance(time.Hour))
	c.Set(t0)
	assert.Equal(t, t0, c.Now())

	// The server's own clock follows the wall clock and can be advanced.
	s := munintest.NewServer(t)
	before := s.Clock().Now()
	assert.WithinDuration(t, time.Now(), before, time.Minute)
	s.Clock().Advance(time.Hour)
	assert.WithinDuration(t, time.Now().Add(time.Hour), s.Clock().Now(), time.Minute)
	target := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Clock().Set(target)
	assert.WithinDuration(t, target, s.Clock().Now(), time.Minute)
}

func TestRealClockRetriesWhenAdvanced(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t) // wall clock, Munin's 30 s schedule
	rc := newReceiver(t, 500)
	subscribe(t, s, rc, "conversation.created")
	pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	assert.Len(t, rc.Calls(), 1)
	s.Clock().Advance(30 * time.Second)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	assert.Len(t, rc.Calls(), 2)
	assert.Equal(t, "delivered", s.Deliveries()[0].Status)
}

func TestNewAndClose(t *testing.T) {
	t.Parallel()
	_, err := munintest.New(munintest.WithOrigins())
	assert.Error(t, err)
	_, err = munintest.New(munintest.WithOrigins("shop.example"))
	assert.Error(t, err)
	_, err = munintest.New(nil)
	assert.Error(t, err)

	s, err := munintest.New(munintest.WithOrigins("http://localhost:3000"))
	require.NoError(t, err)
	assert.Equal(t, []string{"http://localhost:3000"}, s.Channel().Origins)
	assert.Equal(t, s.URL+"/mcp", s.MCPURL())
	assert.Regexp(t, `^mn_admin_[A-Za-z0-9_-]{43}$`, s.AdminKey())
	s.Close()
	s.Close()
	_, err = s.Client().Get(s.URL + "/healthz")
	assert.Error(t, err)
}

func TestCloseDoesNotWaitForConnectionsWithoutARequest(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	// A connection that never sends a request, as an HTTP transport leaves
	// behind when it dials and then reuses an idle connection instead.
	idle, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	require.NoError(t, err)
	defer idle.Close()
	// The server accepts in order: once a later connection is answered,
	// the first one has been accepted too.
	require.Equal(t, http.StatusOK, call(t, s, "GET", "/healthz", "", nil).Status)

	start := time.Now()
	s.Close()
	assert.Less(t, time.Since(start), 4*time.Second, "net/http alone would wait 5 s for the connection's first request")
	_, err = idle.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "closed by the server")
}

func TestCloseAbortsARequestInItsLatency(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithLatency(time.Hour))
	answered := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx(t), "GET", s.URL+"/healthz", nil)
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %s", resp.Status)
		}
		answered <- err
	}()
	// The request log gets the request just before the delay starts; the
	// fake has no other signal for it.
	require.Eventually(t, func() bool { return len(s.Requests()) == 1 }, 10*time.Second, time.Millisecond)
	s.Close()
	err := <-answered
	assert.NotContains(t, err.Error(), "answered", "a request cut short by Close gets no answer")
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "Close ended it, not the test's deadline")
	assert.Equal(t, 0, s.Requests()[0].Status, "logged as dropped")
}
