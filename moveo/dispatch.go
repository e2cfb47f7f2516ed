package moveo

import "context"

// Dispatcher routes each event to the handler for its type. Set the
// handlers you need; an event whose handler is nil goes to Default, and is
// ignored (nil error) when Default is nil too. Its Handle method is a
// NewWebhookHandler callback:
//
//	d := &moveo.Dispatcher{
//		OnBrainSend:    func(ctx context.Context, ev *moveo.BrainSendEvent) error { … },
//		OnAgentMessage: func(ctx context.Context, ev *moveo.AgentMessageEvent) error { … },
//	}
//	h, err := moveo.NewWebhookHandler(secret, d.Handle)
//
// A handler's error makes the webhook handler answer 500, so that Moveo
// retries the event. A Dispatcher is safe for concurrent use as long as its
// fields are not changed while it handles events.
type Dispatcher struct {
	// OnBrainSend handles message:brain_send: the AI agent's replies.
	OnBrainSend func(ctx context.Context, ev *BrainSendEvent) error
	// OnAgentMessage handles message:send: a human agent's message.
	OnAgentMessage func(ctx context.Context, ev *AgentMessageEvent) error
	// OnTyping handles message:compose: typing started or stopped.
	OnTyping func(ctx context.Context, ev *TypingEvent) error
	// OnRead handles message:read.
	OnRead func(ctx context.Context, ev *ReadEvent) error
	// OnDelivered handles message:delivered.
	OnDelivered func(ctx context.Context, ev *DeliveredEvent) error
	// OnMemberJoin handles conversation:member_join.
	OnMemberJoin func(ctx context.Context, ev *MemberJoinEvent) error
	// OnMemberLeave handles conversation:member_leave.
	OnMemberLeave func(ctx context.Context, ev *MemberLeaveEvent) error
	// OnConversationClosed handles conversation:closed.
	OnConversationClosed func(ctx context.Context, ev *ConversationClosedEvent) error
	// OnConversationReopened handles conversation:reopened.
	OnConversationReopened func(ctx context.Context, ev *ConversationReopenedEvent) error
	// OnSessionClosed handles session:closed.
	OnSessionClosed func(ctx context.Context, ev *SessionClosedEvent) error
	// OnSessionExpired handles session:expired.
	OnSessionExpired func(ctx context.Context, ev *SessionExpiredEvent) error
	// OnUnknown handles event types this package does not know.
	OnUnknown func(ctx context.Context, ev *UnknownEvent) error
	// Default handles every event whose own handler is nil.
	Default func(ctx context.Context, ev Event) error
}

// Handle calls the handler for ev's type and returns its error; see
// Dispatcher for events without one. A nil *Dispatcher ignores every event.
func (d *Dispatcher) Handle(ctx context.Context, ev Event) error {
	if d == nil || ev == nil {
		return nil
	}
	switch ev := ev.(type) {
	case *BrainSendEvent:
		return route(ctx, d, d.OnBrainSend, ev)
	case *AgentMessageEvent:
		return route(ctx, d, d.OnAgentMessage, ev)
	case *TypingEvent:
		return route(ctx, d, d.OnTyping, ev)
	case *ReadEvent:
		return route(ctx, d, d.OnRead, ev)
	case *DeliveredEvent:
		return route(ctx, d, d.OnDelivered, ev)
	case *MemberJoinEvent:
		return route(ctx, d, d.OnMemberJoin, ev)
	case *MemberLeaveEvent:
		return route(ctx, d, d.OnMemberLeave, ev)
	case *ConversationClosedEvent:
		return route(ctx, d, d.OnConversationClosed, ev)
	case *ConversationReopenedEvent:
		return route(ctx, d, d.OnConversationReopened, ev)
	case *SessionClosedEvent:
		return route(ctx, d, d.OnSessionClosed, ev)
	case *SessionExpiredEvent:
		return route(ctx, d, d.OnSessionExpired, ev)
	case *UnknownEvent:
		return route(ctx, d, d.OnUnknown, ev)
	}
	if d.Default != nil {
		return d.Default(ctx, ev)
	}
	return nil
}

// route calls fn, or d.Default when fn is nil.
func route[E Event](ctx context.Context, d *Dispatcher, fn func(context.Context, E) error, ev E) error {
	switch {
	case fn != nil:
		return fn(ctx, ev)
	case d.Default != nil:
		return d.Default(ctx, ev)
	}
	return nil
}
