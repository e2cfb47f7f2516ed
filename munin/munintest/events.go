package munintest

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// Events (munin-api-reference.md §3.2–§3.3). Every event is stored, and for
// each active subscription that wants its type at that moment a delivery is
// queued, as Munin's WebhookDispatcher does inside the request's
// transaction.

type event struct {
	id, typ, correlationID string
	createdAt              time.Time
	payload                jsonbObject
	body                   []byte // the delivery body, the same for every subscriber and retry
}

// Event is an event the fake emitted, in the shape Munin delivers it.
type Event struct {
	ID            string    // "evt_…"
	Type          string    // such as "conversation.message.sent"
	OrgID         string    // the fake's one org, "org_…"
	CorrelationID string    // shared by the events of one request
	CreatedAt     time.Time // on the server's Clock; the same on every retry
	// Payload is the event's payload object, keys in jsonb order (§7).
	Payload json.RawMessage
	// Body is the exact delivery body: {type,id,orgId,correlationId,
	// createdAt,payload}, compact.
	Body []byte
}

// emitLocked stores an event and queues its deliveries.
func (s *Server) emitLocked(o *op, typ string, payload map[string]any) *event {
	ev := &event{
		id: newID("evt"), typ: typ, correlationID: o.correlationID,
		createdAt: o.now, payload: jsonbObject(payload),
	}
	ev.body = s.envelope(ev)
	s.st.events = append(s.st.events, ev)
	for _, w := range s.st.hookOrder {
		if w.active && w.wants(typ) {
			s.queueDeliveryLocked(w, ev)
		}
	}
	return ev
}

// envelope is the delivery body in Munin's key order (§3.2):
// JSON.stringify({type, id, orgId, correlationId, createdAt, payload}).
func (s *Server) envelope(ev *event) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	writeKV(&b, "type", ev.typ)
	b.WriteByte(',')
	writeKV(&b, "id", ev.id)
	b.WriteByte(',')
	writeKV(&b, "orgId", s.st.orgID)
	b.WriteByte(',')
	writeKV(&b, "correlationId", ev.correlationID)
	b.WriteByte(',')
	writeKV(&b, "createdAt", iso(ev.createdAt))
	b.WriteByte(',')
	writeKV(&b, "payload", ev.payload)
	b.WriteByte('}')
	return b.Bytes()
}

func (s *Server) eventSnapshot(ev *event) Event {
	payload, _ := ev.payload.MarshalJSON()
	return Event{
		ID: ev.id, Type: ev.typ, OrgID: s.st.orgID, CorrelationID: ev.correlationID,
		CreatedAt: ev.createdAt, Payload: payload, Body: slices.Clone(ev.body),
	}
}

// Events returns every event emitted so far, oldest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, len(s.st.events))
	for i, ev := range s.st.events {
		out[i] = s.eventSnapshot(ev)
	}
	return out
}

// Emit emits an event of any type with payload, as Munin emits the types a
// bot never asked for (subscribers with events [] also get internal types
// such as "curator_job.pending" or "api_key.minted", §7). Use it to check
// that a receiver accepts and ignores types it does not know.
func (s *Server) Emit(eventType string, payload map[string]any) (Event, error) {
	if eventType == "" || strings.ContainsAny(eventType, " \t\r\n") {
		return Event{}, errors.New("munintest: Emit: bad event type")
	}
	if _, err := json.Marshal(payload); err != nil {
		return Event{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if payload == nil {
		payload = map[string]any{}
	}
	ev := s.emitLocked(s.newOp(&actor{typ: "system", id: "system"}), eventType, payload)
	return s.eventSnapshot(ev), nil
}

// eventCatalog is @getmunin/types' EVENT_TYPES_BY_MODULE (§3.3).
var eventCatalog = []struct {
	module string
	types  []string
}{
	{"cms", []string{"cms.collection.created", "cms.collection.fields_changed", "cms.entry.created", "cms.entry.updated", "cms.entry.published", "cms.entry.unpublished", "cms.entry.scheduled", "cms.entry.archived", "cms.entry.deleted"}},
	{"crm", []string{"crm.contact.created", "crm.contact.updated", "crm.company.created", "crm.deal.created", "crm.deal.stage_changed", "crm.activity.logged", "crm.merge_proposal.proposed", "crm.merge_proposal.applied", "crm.merge_proposal.dismissed"}},
	{"kb", []string{"kb.document.created", "kb.document.updated", "kb.document.deleted", "kb.curation_candidate.proposed", "kb.curation_candidate.published", "kb.curation_candidate.dismissed"}},
	{"conv", []string{"conversation.created", "conversation.subject_changed", "conversation.status_changed", "conversation.assigned", "conversation.released", "conversation.taken_over", "conversation.agent_mode_changed", "conversation.handover_requested", "conversation.handover_resolved", "conversation.greet_requested", "conversation.message.received", "conversation.message.sent", "conversation.message.body_revised", "conversation.message.opened", "conversation.message.read", "conversation.voice.call_ended"}},
	{"outreach", []string{"outreach.proposal.created", "outreach.proposal.updated", "outreach.proposal.scheduled", "outreach.proposal.sent", "outreach.proposal.send_canceled", "outreach.proposal.send_failed", "outreach.proposal.dismissed", "outreach.proposal.withdrawn"}},
	{"system", []string{"org_alert.opened", "org_alert.acknowledged", "org_alert.resolved", "curator_job.pending"}},
}

// eventTypesJSON is GET /v1/webhooks/event-types: {modules, all}, modules in
// catalog order.
func eventTypesJSON() json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"modules":{`)
	var all []string
	for i, m := range eventCatalog {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKV(&b, m.module, m.types)
		all = append(all, m.types...)
	}
	b.WriteString(`},`)
	writeKV(&b, "all", all)
	b.WriteByte('}')
	return b.Bytes()
}
