package moveo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/botbridge/botbridge/moveo"
)

// routeRecorder returns a handler of type E that records name.
func routeRecorder[E moveo.Event](got *[]string, name string) func(context.Context, E) error {
	return func(_ context.Context, ev E) error {
		*got = append(*got, name+" "+ev.EventBase().Type)
		return nil
	}
}

func TestDispatcherRoutes(t *testing.T) {
	t.Parallel()
	var got []string
	d := &moveo.Dispatcher{
		OnBrainSend:            routeRecorder[*moveo.BrainSendEvent](&got, "OnBrainSend"),
		OnAgentMessage:         routeRecorder[*moveo.AgentMessageEvent](&got, "OnAgentMessage"),
		OnTyping:               routeRecorder[*moveo.TypingEvent](&got, "OnTyping"),
		OnRead:                 routeRecorder[*moveo.ReadEvent](&got, "OnRead"),
		OnDelivered:            routeRecorder[*moveo.DeliveredEvent](&got, "OnDelivered"),
		OnMemberJoin:           routeRecorder[*moveo.MemberJoinEvent](&got, "OnMemberJoin"),
		OnMemberLeave:          routeRecorder[*moveo.MemberLeaveEvent](&got, "OnMemberLeave"),
		OnConversationClosed:   routeRecorder[*moveo.ConversationClosedEvent](&got, "OnConversationClosed"),
		OnConversationReopened: routeRecorder[*moveo.ConversationReopenedEvent](&got, "OnConversationReopened"),
		OnSessionClosed:        routeRecorder[*moveo.SessionClosedEvent](&got, "OnSessionClosed"),
		OnSessionExpired:       routeRecorder[*moveo.SessionExpiredEvent](&got, "OnSessionExpired"),
		OnUnknown:              routeRecorder[*moveo.UnknownEvent](&got, "OnUnknown"),
		Default:                routeRecorder[moveo.Event](&got, "Default"),
	}
	payloads := append(append([]string{}, docEvents...), `{"event_type":"x:y","timestamp":1}`)
	for _, p := range payloads {
		assert.NoError(t, d.Handle(context.Background(), mustParse(t, p)))
	}
	assert.Equal(t, []string{
		"OnBrainSend message:brain_send",
		"OnAgentMessage message:send",
		"OnTyping message:compose",
		"OnRead message:read",
		"OnDelivered message:delivered",
		"OnMemberJoin conversation:member_join",
		"OnMemberLeave conversation:member_leave",
		"OnConversationClosed conversation:closed",
		"OnConversationReopened conversation:reopened",
		"OnSessionClosed session:closed",
		"OnSessionExpired session:expired",
		"OnUnknown x:y",
	}, got)
}

// otherEvent is an Event type the Dispatcher has no field for.
type otherEvent struct{ moveo.Base }

func TestDispatcherDefaultAndNil(t *testing.T) {
	t.Parallel()
	var got []string
	d := &moveo.Dispatcher{
		OnAgentMessage: routeRecorder[*moveo.AgentMessageEvent](&got, "OnAgentMessage"),
		Default:        routeRecorder[moveo.Event](&got, "Default"),
	}
	ctx := context.Background()
	assert.NoError(t, d.Handle(ctx, mustParse(t, docAgentMessage)))
	assert.NoError(t, d.Handle(ctx, mustParse(t, docTyping)))
	assert.NoError(t, d.Handle(ctx, &otherEvent{moveo.Base{Type: "other"}}))
	assert.Equal(t, []string{"OnAgentMessage message:send", "Default message:compose", "Default other"}, got)

	// Without Default, events without a handler are ignored.
	got = nil
	d.Default = nil
	for _, p := range docEvents {
		assert.NoError(t, d.Handle(ctx, mustParse(t, p)))
	}
	assert.NoError(t, d.Handle(ctx, &otherEvent{}))
	assert.Equal(t, []string{"OnAgentMessage message:send"}, got)

	var nilD *moveo.Dispatcher
	assert.NoError(t, nilD.Handle(ctx, mustParse(t, docAgentMessage)))
	assert.NoError(t, d.Handle(ctx, nil))
}

func TestDispatcherReturnsHandlerError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	d := &moveo.Dispatcher{OnSessionExpired: func(context.Context, *moveo.SessionExpiredEvent) error { return boom }}
	assert.ErrorIs(t, d.Handle(context.Background(), mustParse(t, docSessionExpired)), boom)

	// Through the webhook handler: 500, so Moveo retries.
	h, err := moveo.NewWebhookHandler(hookSecret, d.Handle, moveo.WithClock(newHookClock().Now))
	assert.NoError(t, err)
	assert.Equal(t, 500, hookServe(h, hookRequest(docSessionExpired, hookSecret)).Code)
	assert.Equal(t, 204, hookServe(h, hookRequest(docSessionClosed, hookSecret)).Code, "no handler: ignored")
}
