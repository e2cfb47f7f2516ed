package munintest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

func newConv(t *testing.T, opts ...munintest.Option) (*munintest.Server, string) {
	t.Helper()
	s := munintest.NewServer(t, opts...)
	return s, pushSession(t, s, "vis_a", msg("Where is my order?"))
}

func TestControlPlaneAuth(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	narrow := s.NewAdminKey("conv:read", "conv:write")
	tests := []struct {
		name, key, message string
		status             int
	}{
		{"no key", "", "invalid or expired credential", 401},
		{"bad key", "mn_admin_" + strings.Repeat("x", 43), "invalid or expired credential", 401},
		{"widget key", s.Channel().WidgetKey, `actor type "widget_agent" cannot access control-plane routes`, 403},
		{"narrow admin key", narrow, `control-plane routes require an unrestricted admin key (scope "*")`, 403},
	}
	for _, tt := range tests {
		r := call(t, s, "GET", "/v1/conversations/"+id, tt.key, nil)
		assert.Equal(t, tt.status, r.Status, tt.name)
		assert.Equal(t, tt.message, r.JSON(t)["message"], tt.name)
	}
	assert.Equal(t, http.StatusOK, call(t, s, "GET", "/v1/conversations/"+id, s.NewAdminKey(), nil).Status)
}

func TestGetConversationHasTheClaim(t *testing.T) {
	t.Parallel()
	s, id := newConv(t, munintest.WithClock(munintest.NewClock(t0)))
	r := call(t, s, "GET", "/v1/conversations/"+id, s.AdminKey(), nil)
	require.Equal(t, http.StatusOK, r.Status)
	got := r.JSON(t)
	assert.Nil(t, got["claim"])
	assert.Contains(t, got, "claim", "REST always has claim, null without one")
	assert.Equal(t, "chat", got["channelType"])

	_, err := s.Dashboard().TakeOver(id, 10*time.Minute)
	require.NoError(t, err)
	claim := call(t, s, "GET", "/v1/conversations/"+id, s.AdminKey(), nil).JSON(t)["claim"]
	assert.Equal(t, map[string]any{"holderType": "user", "holderId": s.Dashboard().UserID(), "expiresAt": "2026-08-21T10:10:00.000Z"}, claim)

	// Expiry is silent: the claim is gone, no event fires.
	s.Clock().Advance(10 * time.Minute)
	assert.Nil(t, call(t, s, "GET", "/v1/conversations/"+id, s.AdminKey(), nil).JSON(t)["claim"])
	assert.NotContains(t, eventTypes(s), "conversation.released")

	missing := call(t, s, "GET", "/v1/conversations/ccv_nope", s.AdminKey(), nil)
	assert.Equal(t, http.StatusNotFound, missing.Status)
	assert.JSONEq(t, `{"statusCode":404,"message":"conv_not_found: conversation ccv_nope","error":"Not Found"}`, string(missing.Body))
}

func TestSendMessagePostsAsTheAgent(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "It ships today."})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "agent", got["authorType"])
	assert.Regexp(t, `^akey_`, got["authorId"], "authorId is the key id")
	assert.Nil(t, got["authorName"], "authorName is null in send answers (§7)")
	assert.Equal(t, false, got["internal"])

	types := eventTypes(s)
	assert.Equal(t, "conversation.message.sent", types[len(types)-1])
	ev := s.Events()[len(types)-1]
	assert.JSONEq(t, fmt.Sprintf(`{"internal":false,"messageId":%q,"authorType":"agent","conversationId":%q}`, got["id"], id), string(ev.Payload))

	// An internal note emits nothing.
	n := len(s.Events())
	call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "note", "internal": true})
	assert.Len(t, s.Events(), n)
}

func TestSendMessageValidation(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": ""})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.JSONEq(t, `{"message":"validation_failed: body: Too small: expected string to have >=1 characters",
		"fieldErrors":[{"field":"body","message":"Too small: expected string to have >=1 characters"}]}`, string(r.Body))

	// A body-taking POST needs at least {} (§4).
	r = call(t, s, "POST", "/v1/conversations/"+id+"/request-handover", s.AdminKey(), nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "validation_failed: Invalid input: expected object, received undefined", r.JSON(t)["message"])
	// release takes none.
	assert.Equal(t, http.StatusOK, call(t, s, "POST", "/v1/conversations/"+id+"/release", s.AdminKey(), nil).Status)
}

func TestHandoverActiveBlocksOtherKeysOnly(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	_, err := s.Dashboard().TakeOver(id, 0)
	require.NoError(t, err)

	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "Bot again"})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.JSONEq(t, fmt.Sprintf(`{"message":"handover_active: a human has taken over conversation %s","code":"handover_active"}`, id), string(r.Body))

	// The visitor is never blocked.
	pushSession(t, s, "vis_a", msg("hello?"))

	// A claim held by the key's creator does not block that key.
	require.NoError(t, s.Dashboard().Release(id))
	r = call(t, s, "POST", "/v1/conversations/"+id+"/take-over", s.AdminKey(), map[string]any{})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, http.StatusCreated, call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "owner's key"}).Status)
	other := s.NewAdminKeyWithoutUser()
	assert.Equal(t, http.StatusConflict, call(t, s, "POST", "/v1/conversations/"+id+"/messages", other, map[string]any{"body": "x"}).Status)
}

func TestAgentReplyRace(t *testing.T) {
	t.Parallel()
	// A frozen clock: every post has the visitor's createdAt, and the
	// second reply is still newer than the first.
	s, id := newConv(t, munintest.WithClock(munintest.NewClock(t0)))
	conv, _ := s.Conversation(id)
	since := conv.Messages[0].ID
	first := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "one", "sinceMessageId": since}).JSON(t)
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "two", "sinceMessageId": since})
	assert.Equal(t, http.StatusConflict, r.Status)
	got := r.JSON(t)
	assert.Equal(t, "agent_reply_race", got["code"])
	assert.Contains(t, got["message"], first["id"])
	// Internal notes are not raced.
	assert.Equal(t, http.StatusCreated, call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(),
		map[string]any{"body": "n", "internal": true, "sinceMessageId": since}).Status)
}

func TestTakeOverAndRelease(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s, id := newConv(t, munintest.WithClock(clock))
	path := "/v1/conversations/" + id

	for _, bad := range []any{0, 241, 1.5, "10"} {
		r := call(t, s, "POST", path+"/take-over", s.AdminKey(), map[string]any{"ttlMinutes": bad})
		assert.Equal(t, http.StatusBadRequest, r.Status, "ttlMinutes %v", bad)
	}
	r := call(t, s, "POST", path+"/take-over", s.AdminKey(), map[string]any{})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	claim := r.JSON(t)
	assert.Equal(t, "2026-08-21T10:30:00.000Z", claim["expiresAt"], "the default is 30 minutes")
	assert.Len(t, claim["holderId"], 32, "user ids have no usr_ prefix (§7)")
	takenOver := func() int {
		n := 0
		for _, typ := range eventTypes(s) {
			if typ == "conversation.taken_over" {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 1, takenOver())

	// A repeat by the holder resets the expiry (it may shorten it) and
	// emits nothing (§7).
	clock.Advance(time.Minute)
	r = call(t, s, "POST", path+"/take-over", s.AdminKey(), map[string]any{"ttlMinutes": 5})
	assert.Equal(t, "2026-08-21T10:06:00.000Z", r.JSON(t)["expiresAt"])
	assert.Equal(t, 1, takenOver())

	// Someone else holds it: 409 claim_held_by_other, both ways.
	_, err := s.Dashboard().TakeOver(id, 0)
	assert.ErrorContains(t, err, "claim_held_by_other")
	assert.ErrorContains(t, s.Dashboard().Release(id), "claim_held_by_other")

	// Release by the holder: released event; again, a no-op.
	r = call(t, s, "POST", path+"/release", s.AdminKey(), nil)
	assert.JSONEq(t, `{"released":true}`, string(r.Body))
	types := eventTypes(s)
	assert.Equal(t, "conversation.released", types[len(types)-1])
	r = call(t, s, "POST", path+"/release", s.AdminKey(), nil)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Len(t, eventTypes(s), len(types))

	// The dashboard takes it; the owner's key cannot release it.
	_, err = s.Dashboard().TakeOver(id, 0)
	require.NoError(t, err)
	r = call(t, s, "POST", path+"/release", s.AdminKey(), nil)
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, "claim_held_by_other", r.JSON(t)["code"])

	// An unknown conversation is 404 for release as for take-over (§4).
	for _, route := range []string{"/take-over", "/release"} {
		r = call(t, s, "POST", "/v1/conversations/ccv_nope"+route, s.AdminKey(), map[string]any{})
		assert.Equal(t, http.StatusNotFound, r.Status, route)
		assert.Equal(t, "conv_not_found: conversation ccv_nope", r.JSON(t)["message"], route)
	}

	// A key without a creating user cannot take over (§7: 500).
	orphan := s.NewAdminKeyWithoutUser()
	r = call(t, s, "POST", path+"/take-over", orphan, map[string]any{})
	assert.Equal(t, http.StatusInternalServerError, r.Status)
	assert.JSONEq(t, `{"statusCode":500,"message":"Internal server error"}`, string(r.Body))
}

func TestRequestHandover(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s, id := newConv(t, munintest.WithClock(clock))
	n := len(s.Events())
	r := call(t, s, "POST", "/v1/conversations/"+id+"/request-handover", s.AdminKey(),
		map[string]any{"reason": "refund outside policy", "publicFallbackMessage": "A teammate will follow up."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	sum := r.JSON(t)
	assert.Equal(t, true, sum["needsHumanAttention"])
	assert.Equal(t, "2026-08-21T10:00:00.000Z", sum["needsHumanAttentionAt"])
	assert.NotContains(t, sum, "messages")

	evs := s.Events()[n:]
	require.Len(t, evs, 1, "the fallback fires no message.sent")
	assert.Equal(t, "conversation.handover_requested", evs[0].Type)
	assert.JSONEq(t, fmt.Sprintf(`{"reason":"refund outside policy","conversationId":%q}`, id), string(evs[0].Payload))

	conv, _ := s.Conversation(id)
	require.Len(t, conv.Messages, 3)
	note, fallback := conv.Messages[1], conv.Messages[2]
	assert.Equal(t, "system", note.AuthorType)
	assert.True(t, note.Internal)
	assert.Equal(t, "Agent requested handover: refund outside policy", note.Body)
	assert.Equal(t, "agent", fallback.AuthorType)
	assert.False(t, fallback.Internal)
	assert.Equal(t, map[string]any{"kind": "handover_fallback"}, fallback.Metadata)

	// Already flagged: nothing happens.
	call(t, s, "POST", "/v1/conversations/"+id+"/request-handover", s.AdminKey(), map[string]any{})
	assert.Len(t, s.Events(), n+1)

	// The next public post resolves it.
	clock.Advance(time.Minute)
	msgID, err := s.Dashboard().Reply(id, "Sam here")
	require.NoError(t, err)
	types := eventTypes(s)
	assert.Equal(t, []string{"conversation.taken_over", "conversation.message.sent", "conversation.handover_resolved"}, types[len(types)-3:])
	last := s.Events()[len(types)-1]
	assert.JSONEq(t, fmt.Sprintf(`{"messageId":%q,"authorType":"user","conversationId":%q}`, msgID.ID, id), string(last.Payload))
	conv, _ = s.Conversation(id)
	assert.False(t, conv.NeedsHumanAttention)
	require.NotNil(t, conv.HandoverResolvedAt)
}

func TestAgentModeAssignStatus(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	path := "/v1/conversations/" + id
	r := call(t, s, "POST", path+"/agent-mode", s.AdminKey(), map[string]any{"mode": "off"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "off", r.JSON(t)["agentMode"])
	assert.Equal(t, http.StatusBadRequest, call(t, s, "POST", path+"/agent-mode", s.AdminKey(), map[string]any{"mode": "loud"}).Status)

	agent := s.Dashboard().UserID()
	r = call(t, s, "POST", path+"/assign", s.AdminKey(), map[string]any{"assigneeUserId": agent})
	assert.Equal(t, agent, r.JSON(t)["assigneeUserId"])
	r = call(t, s, "POST", path+"/assign", s.AdminKey(), map[string]any{"assigneeUserId": "stranger"})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "conv_invalid: user stranger is not a member of this org", r.JSON(t)["message"])
	r = call(t, s, "POST", path+"/assign", s.AdminKey(), map[string]any{"assigneeUserId": nil})
	assert.Nil(t, r.JSON(t)["assigneeUserId"])

	r = call(t, s, "POST", path+"/status", s.AdminKey(), map[string]any{"status": "snoozed"})
	assert.Equal(t, `conv_invalid: snoozeUntil is required when status is "snoozed"`, r.JSON(t)["message"])

	// Closing over REST force-releases the claim.
	_, err := s.Dashboard().TakeOver(id, 0)
	require.NoError(t, err)
	r = call(t, s, "POST", path+"/status", s.AdminKey(), map[string]any{"status": "closed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	types := eventTypes(s)
	assert.Equal(t, []string{"conversation.status_changed", "conversation.released"}, types[len(types)-2:])
	assert.Nil(t, call(t, s, "GET", path, s.AdminKey(), nil).JSON(t)["claim"])
	assert.Contains(t, types, "conversation.agent_mode_changed")
	assert.Contains(t, types, "conversation.assigned")
}

func TestListConversations(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	var ids []string
	for i := range 3 {
		ids = append(ids, pushSession(t, s, fmt.Sprintf("vis_%d", i), msg(fmt.Sprintf("question  %d\n", i))))
		clock.Advance(time.Second)
	}
	call(t, s, "POST", "/v1/conversations/"+ids[0]+"/request-handover", s.AdminKey(), map[string]any{})

	var page struct {
		Items []struct {
			ID                 string
			LastInboundPreview *string
		}
		NextCursor *string
	}
	call(t, s, "GET", "/v1/conversations?limit=2", s.AdminKey(), nil).Decode(t, &page)
	require.Len(t, page.Items, 2)
	assert.Equal(t, ids[0], page.Items[0].ID, "flagged first")
	assert.Equal(t, ids[2], page.Items[1].ID, "then newest activity")
	assert.Equal(t, "question 0", *page.Items[0].LastInboundPreview)
	require.NotNil(t, page.NextCursor)

	// §7: following nextCursor answers 500 at the reference commit.
	r := call(t, s, "GET", "/v1/conversations?limit=2&cursor="+*page.NextCursor, s.AdminKey(), nil)
	assert.Equal(t, http.StatusInternalServerError, r.Status)
	assert.JSONEq(t, `{"statusCode":500,"message":"Internal server error"}`, string(r.Body))

	r = call(t, s, "GET", "/v1/conversations?status=nope", s.AdminKey(), nil)
	assert.Equal(t, "conv_invalid: invalid status: nope", r.JSON(t)["message"])
	var flagged struct{ Items []map[string]any }
	call(t, s, "GET", "/v1/conversations?needsHumanAttention=true", s.AdminKey(), nil).Decode(t, &flagged)
	assert.Len(t, flagged.Items, 1)
}

func TestRequestIDsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := call(t, s, "GET", "/healthz", "", nil, "X-Request-Id", "trace-123.a_b")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "trace-123.a_b", r.Header.Get("X-Request-Id"))
	r = call(t, s, "GET", "/healthz", "", nil, "X-Request-Id", "bad id!")
	assert.Regexp(t, `^[0-9a-f-]{36}$`, r.Header.Get("X-Request-Id"))

	// The seed docs' /api/v1 paths are gone (§0 row 1).
	r = call(t, s, "POST", "/api/v1/widget/messages", s.Channel().WidgetKey, map[string]any{})
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "Cannot POST /api/v1/widget/messages", r.JSON(t)["message"])
	assert.NotEmpty(t, r.Header.Get("X-Request-Id"))

	who := call(t, s, "GET", "/v1/whoami", s.Channel().WidgetKey, nil).JSON(t)["actor"].(map[string]any)
	assert.Equal(t, "widget_agent", who["type"])
	assert.Equal(t, []any{"self_service"}, who["audiences"])
}

func TestMalformedJSONIsRefusedBeforeTheGuards(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := call(t, s, "POST", "/v1/widget/messages", "", `{"sessionId":`)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "Bad Request", r.JSON(t)["error"])
}
