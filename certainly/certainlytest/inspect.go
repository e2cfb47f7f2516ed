package certainlytest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Inspection: what the fake received and what it holds, for assertions.
// Every method returns copies; changing them changes nothing in the server.

// Request is one HTTP request the server received.
type Request struct {
	Method string // such as "GET"
	// Path is the path as received, still escaped, such as
	// "/webbot/api/webchat/123456/handover/a%2Fb/".
	Path  string
	Query url.Values // such as ClaimEnd
	// Route is the route that matched (RouteConfig, RouteHandover,
	// RouteSend or RouteTakeover); "" when none did (404, 405).
	Route string
	// BotID and UserID are the ids of the path, unescaped; "" when no
	// route matched (UserID also for RouteConfig).
	BotID, UserID string
	// Header is the request's headers with the token cut off:
	// Authorization keeps only its scheme ("bearer [REDACTED]"), and a
	// value without a scheme becomes "[REDACTED]".
	Header http.Header
	Body   []byte    // as received
	Status int       // the status answered; 0 when no answer was sent
	At     time.Time // on the server's Clock
}

type requestLog = fakeserver.RequestLog[Request]

// newRequest records r as the server received it.
func newRequest(r *http.Request, c call, body []byte, at time.Time) *Request {
	return &Request{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(),
		Route: c.route, BotID: c.botID, UserID: c.userID,
		Header: fakeserver.RedactAuthorization(r.Header, nil), Body: slices.Clone(body), At: at,
	}
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	return s.log.Snapshot(func(r *Request) Request {
		c := *r
		c.Header, c.Body = r.Header.Clone(), slices.Clone(r.Body)
		c.Query = url.Values{}
		for k, v := range r.Query {
			c.Query[k] = slices.Clone(v)
		}
		return c
	})
}

// Message is one message of a user's conversation.
type Message struct {
	// Interlocutor is who wrote it: the user (UserSays), the bot (its
	// answers in normal mode, and the move to the next module after a
	// takeover with ClaimEnd) or an agent (POST …/handover/{userId}/).
	Interlocutor certainly.Interlocutor
	Text         string
	At           time.Time // on the server's Clock
}

// User is an end user as the fake holds it.
type User struct {
	ID string
	// SessionID is the sessionId of the user's webhook bodies, a UUID.
	SessionID string
	// Mode is the bot's mode for the user.
	Mode Mode
	// Transcript is the conversation, oldest first.
	Transcript []Message
	// ClaimEnds holds one entry per takeover, in order: the ClaimEnd it
	// carried, "" when none.
	ClaimEnds []string
	// Claims counts UserAsksForHuman calls.
	Claims    int
	CreatedAt time.Time // on the server's Clock, at first mention
}

func (u *user) snapshot() User {
	return User{
		ID: u.id, SessionID: u.sessionID, Mode: u.mode,
		Transcript: slices.Clone(u.transcript), ClaimEnds: slices.Clone(u.claimEnds),
		Claims: u.claims, CreatedAt: u.createdAt,
	}
}

// Users returns every user, in the order they were first mentioned.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, len(s.userOrder))
	for i, u := range s.userOrder {
		out[i] = u.snapshot()
	}
	return out
}

// User returns the user with id, and whether it was ever mentioned.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return User{}, false
	}
	return u.snapshot(), true
}

// AgentMessages returns the texts the agent sent to userID through
// POST …/handover/{userId}/, oldest first.
func (s *Server) AgentMessages(userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agentMessagesLocked(userID)
}

func (s *Server) agentMessagesLocked(userID string) []string {
	var out []string
	if u := s.users[userID]; u != nil {
		for _, m := range u.transcript {
			if m.Interlocutor == certainly.InterlocutorAgent {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

// Deliveries returns every webhook call made so far, oldest first, with
// its outcome (a call still waiting for its answer has StatusCode 0 and
// Error "").
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.clone()
	}
	return out
}

// WaitMode waits until the bot is in mode for userID, for code under test
// that calls the handover or takeover route asynchronously. A user never
// mentioned is in ModeNormal. It returns ctx's error if ctx ends first and
// ErrClosed once the server is closed. It never polls on a timer. It sees
// the mode the user is in whenever it looks, not every mode the user passed
// through: a listen mode that came and went (handover, then takeover)
// before the wait looked is missed, so hold the code under test until the
// wait returned.
func (s *Server) WaitMode(ctx context.Context, userID string, mode Mode) error {
	if mode != ModeNormal && mode != ModeListen {
		return fmt.Errorf("certainlytest: WaitMode: unknown mode %q", mode)
	}
	return s.waitFor(ctx, func() bool {
		u := s.users[userID]
		return (u == nil && mode == ModeNormal) || (u != nil && u.mode == mode)
	})
}

// WaitAgentMessages waits until userID has received at least n agent
// messages, and returns them. It returns ctx's error if ctx ends first and
// ErrClosed once the server is closed.
func (s *Server) WaitAgentMessages(ctx context.Context, userID string, n int) ([]string, error) {
	var got []string
	err := s.waitFor(ctx, func() bool {
		got = s.agentMessagesLocked(userID)
		return len(got) >= n
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// waitFor waits until done, called under the lock, reports true.
func (s *Server) waitFor(ctx context.Context, done func() bool) error {
	return fakeserver.WaitLocked(ctx, s.clock, &s.mu, &s.changed, func() (bool, error) {
		if s.closed {
			return false, ErrClosed
		}
		return done(), nil
	})
}
