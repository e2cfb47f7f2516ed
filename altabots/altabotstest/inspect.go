package altabotstest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Inspection: what the fake received, sent and holds, for assertions.
// Every method returns copies; changing them changes nothing in the
// server.

// Request is one HTTP request the server received.
type Request struct {
	Method string // such as "POST"
	Path   string // such as "/v1/human/close"
	// Route is RouteMessageReceive or RouteClose for their paths (whatever
	// the method), "" for any other path (404).
	Route string
	// Header is the request's headers with the key cut off: Authorization
	// keeps only its scheme ("Bearer [REDACTED]"), and a value without a
	// scheme becomes "[REDACTED]".
	Header http.Header
	Body   []byte    // as received
	Status int       // the status answered; 0 when no answer was sent
	Code   int       // the code of the {code, message} answered
	At     time.Time // on the server's Clock
}

// newRequest records r as the server received it.
func newRequest(r *http.Request, route string, body []byte, at time.Time) *Request {
	return &Request{
		Method: r.Method, Path: r.URL.Path, Route: route,
		Header: fakeserver.RedactAuthorization(r.Header, nil), Body: slices.Clone(body), At: at,
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

// DeskCall is one call the server made to the desk, with its answer.
type DeskCall struct {
	// Endpoint is EndpointEstablish, EndpointChat or EndpointClose.
	Endpoint       string
	ConversationID string
	URL            string
	// Header is what was sent, with the values the WithDesk auth function
	// set replaced by "[REDACTED]" (an Authorization keeps its scheme).
	Header http.Header
	Body   []byte    // the JSON sent
	At     time.Time // when it was sent, on the server's Clock
	// InFlight reports a call still waiting for its answer.
	InFlight bool
	// Status is the answer's HTTP status; 0 without an answer.
	Status int
	// Code and Message are the answer's {code, message}.
	Code    int
	Message string
	// Answer is the answer's body as received (its first 64 KiB).
	Answer []byte
	// Err is nil when the desk accepted the call (HTTP 200, code 0), and
	// a *DeskCallError otherwise.
	Err error
}

// DeskCalls returns every call made to the desk so far, oldest first.
func (s *Server) DeskCalls() []DeskCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeskCall, len(s.deskCalls))
	for i, d := range s.deskCalls {
		out[i] = *d
		out[i].Header, out[i].Body, out[i].Answer = d.Header.Clone(), slices.Clone(d.Body), slices.Clone(d.Answer)
	}
	return out
}

// Reply is a message the desk sent through /v1/human/message/receive.
type Reply struct {
	Body      string              // body
	Timestamp altabots.UnixMillis // timestamp, as the desk sent it
	At        time.Time           // when it arrived, on the server's Clock
}

// UserMessage is a message the user wrote to the desk (UserSays).
type UserMessage struct {
	Text string
	At   time.Time // on the server's Clock
}

// Conversation is a handoff as the fake holds it.
type Conversation struct {
	// ID is the conversation_id, 24 hex characters.
	ID string
	// User is who asked for a human, as sent (with the AnonymousID made up
	// when it was empty).
	User User
	// Transcript is the establish call's body: the talk with the bot.
	Transcript []altabots.Message
	// State is one of the State constants.
	State string
	// CloseReason is one of the Reason constants once the conversation
	// ended by a close or the deadline; "" before, and for StateRefused.
	CloseReason  string
	UserMessages []UserMessage
	Replies      []Reply
	// CreatedAt is when Escalate sent the establish call.
	CreatedAt time.Time
	// EstablishedAt is when the desk accepted it; zero when it has not.
	EstablishedAt time.Time
	// Deadline is when the first reply was due: EstablishedAt plus the
	// reply deadline; zero when the desk has not accepted.
	Deadline time.Time
	// EndedAt is when it was closed, refused, or its deadline passed; zero
	// while it is open.
	EndedAt time.Time
}

func (c *conversation) snapshot() Conversation {
	u := c.user
	if u.Phone != nil {
		p := *u.Phone
		u.Phone = &p
	}
	return Conversation{
		ID: c.id, User: u, Transcript: slices.Clone(c.transcript),
		State: c.state, CloseReason: c.reason,
		UserMessages: slices.Clone(c.userMessages), Replies: slices.Clone(c.replies),
		CreatedAt: c.createdAt, EstablishedAt: c.establishedAt, Deadline: c.deadline, EndedAt: c.endedAt,
	}
}

// sweepLocked ends the conversations whose deadline passed.
func (s *Server) sweepLocked() {
	now := s.now()
	for _, c := range s.order {
		s.expireLocked(c, now)
	}
}

// Conversations returns every conversation, oldest first.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	out := make([]Conversation, len(s.order))
	for i, c := range s.order {
		out[i] = c.snapshot()
	}
	return out
}

// Conversation returns the conversation with id, open or not.
func (s *Server) Conversation(id string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[id]
	if c == nil {
		return Conversation{}, false
	}
	s.expireLocked(c, s.now())
	return c.snapshot(), true
}

// WaitReplies waits until the desk has sent at least n replies in
// conversation conversationID and returns them all. It never sleeps on a
// timer: it wakes when a reply arrives or the Clock moves. It returns
// early with an error matching ErrNotOpen when the conversation ended
// with fewer, ErrUnknownConversation for an unknown id, ErrClosed once
// the server is closed, or ctx's error.
func (s *Server) WaitReplies(ctx context.Context, conversationID string, n int) ([]Reply, error) {
	var out []Reply
	err := s.waitConversation(ctx, conversationID, func(c *conversation) (bool, error) {
		if len(c.replies) >= n {
			out = slices.Clone(c.replies)
			return true, nil
		}
		if !c.open() {
			return false, fmt.Errorf("%w: conversation %s is %s with %d of %d replies",
				ErrNotOpen, conversationID, c.state, len(c.replies), n)
		}
		return false, nil
	})
	return out, err
}

// WaitClosed waits until conversation conversationID has ended — closed,
// refused, or its first-reply deadline passed — and the calls to the desk
// it caused have been answered, and returns it. With a Clock from
// NewClock, a missed deadline is noticed when the Clock is moved past it:
//
//	s.Clock().Advance(61 * time.Second)
//	conv, err := s.WaitClosed(ctx, id) // StateEndedNoReply, the desk told
//
// It returns ErrUnknownConversation for an unknown id, ErrClosed once the
// server is closed, or ctx's error.
func (s *Server) WaitClosed(ctx context.Context, conversationID string) (Conversation, error) {
	var out Conversation
	err := s.waitConversation(ctx, conversationID, func(c *conversation) (bool, error) {
		if c.open() || c.pending > 0 {
			return false, nil
		}
		out = c.snapshot()
		return true, nil
	})
	return out, err
}

// waitConversation waits until done reports true or an error for the
// conversation.
func (s *Server) waitConversation(ctx context.Context, id string, done func(c *conversation) (bool, error)) error {
	return fakeserver.WaitLocked(ctx, s.clock, &s.mu, &s.changed, func() (bool, error) {
		if s.closed {
			return false, ErrClosed
		}
		c := s.convs[id]
		if c == nil {
			return false, fmt.Errorf("%w %q", ErrUnknownConversation, id)
		}
		s.expireLocked(c, s.now())
		return done(c)
	})
}
