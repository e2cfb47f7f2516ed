package moveotest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Webhook events (moveo-webhook-event-payloads.txt). Every body starts
// with the base fields in the page's order, then the event's own fields.

// The event types of moveo-webhook-event-payloads.txt.
const (
	EventBrainSend            = "message:brain_send"
	EventMessageSend          = "message:send"
	EventMessageCompose       = "message:compose"
	EventMessageRead          = "message:read"
	EventMessageDelivered     = "message:delivered"
	EventMemberJoin           = "conversation:member_join"
	EventMemberLeave          = "conversation:member_leave"
	EventConversationClosed   = "conversation:closed"
	EventConversationReopened = "conversation:reopened"
	EventSessionClosed        = "session:closed"
	EventSessionExpired       = "session:expired"
)

// Event is a webhook event the server emitted, whether or not it was
// delivered (no webhook URL, or a type not subscribed).
type Event struct {
	Type      string    // event_type
	RequestID string    // request_id
	SessionID string    // session_id
	Timestamp time.Time // timestamp, on the server's Clock
	// Subscribed reports whether the event's type is one of
	// WithSubscribedEvents (always true when none were given).
	Subscribed bool
	// Body is the exact JSON body every delivery attempt sends.
	Body []byte
}

type event struct {
	Event
}

// baseFields are the fields every event carries.
type baseFields struct {
	EventType         string         `json:"event_type"`
	RequestID         string         `json:"request_id"`
	SessionID         string         `json:"session_id"`
	ExternalSessionID string         `json:"external_session_id"`
	IntegrationID     string         `json:"integration_id"`
	DeskID            string         `json:"desk_id"`
	Context           map[string]any `json:"context"`
	Timestamp         int64          `json:"timestamp"`
}

// stampLocked returns the timestamp of a new event: the clock's time, or a
// millisecond after the previous event's when the clock has not moved past
// it, so that events of one frozen instant still have an order.
func (s *Server) stampLocked() time.Time {
	t := s.now()
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Millisecond)
	}
	s.lastStamp = t
	return t
}

// emitLocked records an event of ss with the given request id and extra
// fields (a struct or map marshalled after the base fields; nil for none)
// and queues its delivery.
func (s *Server) emitLocked(ss *session, typ, requestID string, extra any) {
	at := s.stampLocked()
	base := baseFields{
		EventType: typ, RequestID: requestID, SessionID: ss.id, ExternalSessionID: ss.externalID,
		IntegrationID: s.integrationID, DeskID: ss.deskID,
		Context: deepCopy(ss.context).(map[string]any), Timestamp: at.UnixMilli(),
	}
	body, err := json.Marshal(base)
	if err == nil && extra != nil {
		var more []byte
		more, err = json.Marshal(extra)
		if err == nil && len(more) > 2 { // not "{}"
			body = append(append(body[:len(body)-1], ','), more[1:]...)
		}
	}
	if err != nil {
		s.internalError(fmt.Errorf("encoding %s: %w", typ, err))
		return
	}
	ev := &event{Event{
		Type: typ, RequestID: requestID, SessionID: ss.id, Timestamp: at, Body: body,
		Subscribed: len(s.cfg.subscribed) == 0 || slices.Contains(s.cfg.subscribed, typ),
	}}
	s.events = append(s.events, ev)
	if ev.Subscribed && s.webhookURL != "" {
		s.queueDeliveryLocked(ev)
	}
}

// Events returns every event emitted so far, oldest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	out := make([]Event, len(s.events))
	for i, ev := range s.events {
		out[i] = ev.Event
		out[i].Body = slices.Clone(ev.Body)
	}
	return out
}
