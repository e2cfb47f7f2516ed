package moveotest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Inspection: what the fake received and what it holds, for assertions.
// Every method returns copies; changing them changes nothing in the server.

// Request is one HTTP request the server received.
type Request struct {
	Method string // such as "POST"
	Path   string // such as "/v1/custom/…/sessions"
	// Route is the route that matched, one of the Route constants; "/" for
	// none (404).
	Route string
	// Header is the request's headers with the key cut off: Authorization
	// keeps only its scheme ("apikey [REDACTED]"), and a value without a
	// scheme becomes "[REDACTED]".
	Header    http.Header
	Body      []byte    // as received
	Status    int       // the status answered; 0 when no answer was sent
	RequestID string    // the request_id (and X-Request-Id) answered
	At        time.Time // on the server's Clock
}

type requestLog = fakeserver.RequestLog[Request]

// newRequest records r as the server received it.
func newRequest(r *http.Request, route, requestID string, body []byte, at time.Time) *Request {
	return &Request{
		Method: r.Method, Path: r.URL.Path, Route: route,
		Header: fakeserver.RedactAuthorization(r.Header, nil),
		Body:   slices.Clone(body), RequestID: requestID, At: at,
	}
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	return s.log.Snapshot(func(r *Request) Request {
		c := *r
		c.Header, c.Body = r.Header.Clone(), slices.Clone(r.Body)
		return c
	})
}

// Message authors, Message.Author.
const (
	AuthorUser          = "user"           // POST …/messages
	AuthorBrain         = "brain"          // the Brain's reply
	AuthorAgent         = "agent"          // Desk.Say
	AuthorExternalAgent = "external_agent" // POST …/messages/agent
)

// Attachment is a file in a message, in Moveo's input format.
type Attachment struct {
	Type     string `json:"type"` // image, video, audio or file
	MimeType string `json:"mime_type,omitempty"`
	URL      string `json:"url"`
	Filename string `json:"filename,omitempty"`
}

// Message is one message of a session.
type Message struct {
	// RequestID is the user message's request_id for the user's message
	// and the brain's reply to it; the message:send event's for a desk
	// agent; the call's for an external agent.
	RequestID   string
	Author      string // AuthorUser, AuthorBrain, AuthorAgent or AuthorExternalAgent
	Text        string // "" for the brain, whose words are in Responses
	Attachments []Attachment
	// Responses are the brain's output.responses.
	Responses []json.RawMessage
	// Agent is who wrote an agent's message; nil otherwise.
	Agent *Agent
	At    time.Time // on the server's Clock
}

// Session is a session as the fake holds it.
type Session struct {
	ID                string // session_id, a UUID
	ExternalSessionID string
	ChannelUserID     string
	Context           map[string]any
	// Status is StatusActive, StatusClosed or StatusExpired.
	Status string
	// WithDesk reports whether the desk owns the conversation (a handover
	// response or call, or a Desk agent joined or spoke, and it was not
	// resolved since): the brain does not answer then.
	WithDesk bool
	// Resolved reports whether the conversation was closed and not
	// reopened or written to since.
	Resolved     bool
	DeskID       string // desk_id of its events
	DepartmentID string // from the last handover that named one
	CreatedAt    time.Time
	// LastActivityAt is the last call on it or desk action; it expires
	// the session timeout later.
	LastActivityAt time.Time
	// EndedAt is when it was closed or its timeout ran out; zero while
	// active.
	EndedAt time.Time
	// ReadAt and DeliveredAt are the last read and delivered receipts.
	ReadAt, DeliveredAt time.Time
	// Messages are the user's, the brain's and the agents' messages in the
	// order the server received or sent them.
	Messages []Message
}

func (ss *session) snapshot() Session {
	return Session{
		ID: ss.id, ExternalSessionID: ss.externalID, ChannelUserID: ss.channelUserID,
		Context: deepCopy(ss.context).(map[string]any), Status: ss.status, WithDesk: ss.withDesk,
		Resolved: ss.resolved, DeskID: ss.deskID, DepartmentID: ss.departmentID,
		CreatedAt: ss.createdAt, LastActivityAt: ss.lastActive, EndedAt: ss.endedAt,
		ReadAt: ss.readAt, DeliveredAt: ss.deliveredAt, Messages: cloneMessages(ss.messages),
	}
}

func cloneMessages(list []Message) []Message {
	out := slices.Clone(list)
	for i := range out {
		out[i].Attachments = slices.Clone(out[i].Attachments)
		out[i].Responses = slices.Clone(out[i].Responses)
		for j := range out[i].Responses {
			out[i].Responses[j] = slices.Clone(out[i].Responses[j])
		}
		if a := out[i].Agent; a != nil {
			c := *a
			out[i].Agent = &c
		}
	}
	return out
}

// Sessions returns every session, ended ones included, oldest first.
// Sessions whose timeout has passed on the Clock are expired first.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	out := make([]Session, len(s.sessionOrder))
	for i, ss := range s.sessionOrder {
		out[i] = ss.snapshot()
	}
	return out
}

// Session returns the session with id, ended or not.
func (s *Server) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	ss := s.sessions[id]
	if ss == nil {
		return Session{}, false
	}
	return ss.snapshot(), true
}
