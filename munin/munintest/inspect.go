package munintest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/botbridge/botbridge/munin"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Inspection: what the fake received and what it holds, for assertions.
// Every method returns copies; changing them changes nothing in the server.

// Request is one HTTP request the server received.
type Request struct {
	Method string // such as "POST"
	Path   string // such as "/v1/widget/messages"
	Query  string // the raw query, without "?"
	// Route is the route that matched, such as
	// "POST /v1/conversations/:id/messages"; "/" for none (404).
	Route string
	// Header is the request's headers with the credential cut off:
	// Authorization keeps only the key's kind ("Bearer mn_widget_…").
	Header    http.Header
	Body      []byte    // as received
	Status    int       // the status answered; 0 when the connection was dropped
	RequestID string    // the x-request-id answered
	At        time.Time // on the server's Clock
}

type requestLog = fakeserver.RequestLog[Request]

// newRequest records r as the server received it.
func newRequest(r *http.Request, route, requestID string, body []byte, at time.Time) *Request {
	return &Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Route: route,
		Header: fakeserver.RedactAuthorization(r.Header, redactAuthorization),
		Body:   slices.Clone(body), RequestID: requestID, At: at,
	}
}

// redactAuthorization keeps the scheme and the key's kind: "Bearer
// mn_admin_…".
func redactAuthorization(v string) string {
	scheme, token, ok := strings.Cut(v, " ")
	if ok && strings.HasPrefix(token, "mn_") {
		if i := strings.Index(token[3:], "_"); i >= 0 {
			return scheme + " " + token[:3+i+1] + "…"
		}
	}
	return fakeserver.RedactCredential(v)
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	return s.log.Snapshot(func(r *Request) Request {
		c := *r
		c.Header, c.Body = r.Header.Clone(), slices.Clone(r.Body)
		return c
	})
}

// Conversation is a conversation as the fake holds it: Munin's
// ConversationDetail (every message, internal notes included, and the
// active claim, nil once expired) plus what Munin keeps out of its API.
type Conversation struct {
	munin.ConversationDetail
	// SessionID is the widget session the conversation belongs to.
	SessionID string
	// ProviderThreadID is the one the first push gave.
	ProviderThreadID string
	// SnoozeUntil is set while a conversation is snoozed until a time.
	SnoozeUntil *time.Time
}

// Conversations returns every conversation, oldest first.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conversation, 0, len(s.st.convOrder))
	for _, c := range s.st.convOrder {
		out = append(out, s.snapshotLocked(c))
	}
	return out
}

// Conversation returns the conversation with id.
func (s *Server) Conversation(id string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.convs[id]
	if c == nil {
		return Conversation{}, false
	}
	return s.snapshotLocked(c), true
}

// ConversationBySession returns the conversation of a widget session, on
// any channel.
func (s *Server) ConversationBySession(sessionID string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.st.convOrder {
		if c.sessionID == sessionID {
			return s.snapshotLocked(c), true
		}
	}
	return Conversation{}, false
}

// snapshotLocked converts through Munin's JSON, so the snapshot is exactly
// what a client decodes.
func (s *Server) snapshotLocked(c *conversation) Conversation {
	d := s.detailLocked(c)
	if cl := c.activeClaim(s.now()); cl != nil {
		d.Claim, _ = marshalJS(claimJSON{HolderType: "user", HolderID: cl.holderID, ExpiresAt: iso(cl.expiresAt)})
	}
	b, err := json.Marshal(d)
	out := Conversation{SessionID: c.sessionID, ProviderThreadID: c.providerThreadID}
	if err == nil {
		err = json.Unmarshal(b, &out.ConversationDetail)
	}
	if err != nil {
		s.internalError(err)
	}
	if c.snoozeUntil != nil {
		t := *c.snoozeUntil
		out.SnoozeUntil = &t
	}
	return out
}

// Contact is a CRM contact the widget ingest created or matched.
type Contact struct {
	ID        string // "ctc_…"
	Name      string // "" when unknown
	Email     string // lowercased; "" when unknown
	EndUserID string // the visitor identity ("eu_…") it belongs to
	// Metadata holds sessionId, externalId for a verified visitor, and
	// the visitor metadata of the push that created it.
	Metadata map[string]any
}

// Contacts returns every contact, oldest first.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, len(s.st.contacts))
	for i, ct := range s.st.contacts {
		meta, _ := deepCopy(ct.metadata).(map[string]any)
		out[i] = Contact{ID: ct.id, Name: ct.name, Email: ct.email, EndUserID: ct.endUserID, Metadata: meta}
	}
	return out
}

// deepCopy copies a decoded JSON value, so that a snapshot shares no map
// or slice with the server.
func deepCopy(x any) any { return fakeserver.DeepCopyJSON(x) }
