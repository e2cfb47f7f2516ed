package altabotstest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The bot platform's side: AltaBots calling the desk. Each call runs in a
// goroutine of the server (so that Close waits for it and cancels it) and
// the method that made it waits for its answer.

// The three endpoints of the desk, DeskCall.Endpoint and
// DeskCallError.Endpoint.
const (
	EndpointEstablish = "establish"
	EndpointChat      = "chat"
	EndpointClose     = "close"
)

type endpoint int

const (
	endpointEstablish endpoint = iota
	endpointChat
	endpointClose
	endpointCount
)

var endpointNames = [endpointCount]string{EndpointEstablish, EndpointChat, EndpointClose}

// The states of a conversation, Conversation.State.
const (
	// StateEstablishing: the establish call is under way.
	StateEstablishing = "establishing"
	// StateRefused: the desk did not accept the establish call.
	StateRefused = "refused"
	// StateWaitingFirstReply: the desk accepted; its first reply is due by
	// Conversation.Deadline.
	StateWaitingFirstReply = "waiting_first_reply"
	// StateActive: the desk replied; the user and the desk talk.
	StateActive = "active"
	// StateClosed: the user closed the conversation, it timed out
	// (Timeout), or the desk closed it.
	StateClosed = "closed"
	// StateEndedNoReply: the first-reply deadline passed without a reply;
	// AltaBots ended the handoff.
	StateEndedNoReply = "ended_no_reply"
)

// The reasons a conversation ended, Conversation.CloseReason.
const (
	ReasonTimeout    = string(altabots.CloseTimeout)    // Timeout
	ReasonUserClosed = string(altabots.CloseUserClosed) // UserCloses
	ReasonDesk       = "desk"                           // POST /v1/human/close
	ReasonNoReply    = "no_reply"                       // the first-reply deadline passed
)

// User is the end user who asks for a human, as the establish call
// describes them (its email and user_info).
type User struct {
	// Email is sent as email and user_info.email.
	Email string
	// UserID is the developer's own id for the user (user_info.user_id).
	UserID string
	// AnonymousID is AltaBots' id of the user on their channel
	// (user_info.anonymous_id); Escalate makes one up when it is empty.
	AnonymousID string
	// Phone is user_info.phone, which AltaBots sends only for WhatsApp
	// users: nil sends null.
	Phone *string
}

// conversation is a handoff as the server holds it.
type conversation struct {
	id            string
	user          User
	transcript    []altabots.Message
	state         string
	reason        string
	userMessages  []UserMessage
	replies       []Reply
	createdAt     time.Time
	establishedAt time.Time
	deadline      time.Time
	endedAt       time.Time
	stopTimer     func() bool // the first-reply timer; nil when none runs
	pending       int         // calls to the desk under way
}

// open reports whether the desk may still reply to or close c.
func (c *conversation) open() bool {
	switch c.state {
	case StateEstablishing, StateWaitingFirstReply, StateActive:
		return true
	}
	return false
}

// talking reports whether the user may still write in or close c.
func (c *conversation) talking() bool {
	return c.state == StateWaitingFirstReply || c.state == StateActive
}

func (c *conversation) stopTimerLocked() {
	if c.stopTimer != nil {
		c.stopTimer()
		c.stopTimer = nil
	}
}

// endLocked ends c with state and reason at t.
func (c *conversation) endLocked(state, reason string, t time.Time) {
	c.state, c.reason, c.endedAt = state, reason, t
	c.stopTimerLocked()
}

// Escalate plays an AltaBots user asking for a human: it opens a
// conversation with a new id and calls the desk's establish endpoint with
// the server's BotID, the time on the server's Clock in milliseconds, the
// user, and transcript (the conversation with the bot so far, oldest
// first; none sends "body": []).
//
// When the desk answers HTTP 200 with code 0 it has accepted the
// conversation: its state is StateWaitingFirstReply, and unless a reply
// arrives through /v1/human/message/receive within the reply deadline
// (WithReplyDeadline) from then, the server ends the handoff (see
// WaitClosed). A reply the desk sends while the establish call is still
// under way counts. Any other answer, or none, makes the state
// StateRefused and the error a *DeskCallError.
//
// The conversation is returned whenever it was opened, with the error if
// the desk did not accept it. Escalate returns ErrNoDesk without WithDesk
// and ErrClosed once the server is closed.
func (s *Server) Escalate(ctx context.Context, user User, transcript ...altabots.Message) (*Conversation, error) {
	if s.cfg.deskURL == "" {
		return nil, ErrNoDesk
	}
	if user.AnonymousID == "" {
		user.AnonymousID = newObjectID()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	now := s.now()
	c := &conversation{
		user: user, transcript: slices.Clone(transcript),
		state: StateEstablishing, createdAt: now,
	}
	for c.id == "" || s.convs[c.id] != nil {
		c.id = newObjectID()
	}
	s.convs[c.id] = c
	s.order = append(s.order, c)
	body := &altabots.EstablishRequest{
		ConversationID: c.id,
		Timestamp:      altabots.Millis(now),
		Email:          user.Email,
		BotID:          s.botID,
		Body:           c.transcript,
		UserInfo: altabots.UserInfo{
			Phone: user.Phone, Email: user.Email, UserID: user.UserID, AnonymousID: user.AnonymousID,
		},
	}
	if body.Body == nil {
		body.Body = []altabots.Message{}
	}
	done := s.callDeskLocked(ctx, c, endpointEstablish, body)
	s.mu.Unlock()

	err := <-done
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		if c.open() {
			c.endLocked(StateRefused, "", s.now())
		}
	case c.state == StateEstablishing || c.state == StateActive:
		// The deadline runs from the desk's acceptance. A reply sent while
		// the call was under way made the conversation active already.
		now := s.now()
		c.establishedAt, c.deadline = now, now.Add(s.cfg.replyDeadline)
		if c.state == StateEstablishing {
			c.state = StateWaitingFirstReply
			id := c.id
			c.stopTimer = s.base.AfterFunc(s.clock, s.cfg.replyDeadline, func() { s.deadlineReached(id) })
		}
	}
	s.notifyLocked()
	snap := c.snapshot()
	return &snap, err
}

// UserSays plays the user writing text to the human: it calls the desk's
// chat endpoint. The conversation must be StateWaitingFirstReply or
// StateActive (else ErrNotOpen; an unknown id is ErrUnknownConversation).
// The message is recorded whatever the desk answers; an answer other than
// HTTP 200 with code 0 is a *DeskCallError.
func (s *Server) UserSays(ctx context.Context, conversationID, text string) error {
	return s.userCall(ctx, conversationID, endpointChat, func(c *conversation, now time.Time) any {
		c.userMessages = append(c.userMessages, UserMessage{Text: text, At: now})
		return &altabots.ChatRequest{ConversationID: c.id, Timestamp: altabots.Millis(now), Body: text}
	})
}

// Timeout plays AltaBots closing the conversation because the user's
// session timed out: it ends the conversation (StateClosed, reason
// ReasonTimeout) and calls the desk's close endpoint with type TIMEOUT. It
// needs an open conversation as UserSays does; the desk's answer does not
// undo the close, but one other than HTTP 200 with code 0 is a
// *DeskCallError.
func (s *Server) Timeout(ctx context.Context, conversationID string) error {
	return s.closeCall(ctx, conversationID, altabots.CloseTimeout)
}

// UserCloses plays the user closing the conversation: as Timeout, with
// type USER_CLOSED and reason ReasonUserClosed.
func (s *Server) UserCloses(ctx context.Context, conversationID string) error {
	return s.closeCall(ctx, conversationID, altabots.CloseUserClosed)
}

func (s *Server) closeCall(ctx context.Context, conversationID string, typ altabots.CloseType) error {
	return s.userCall(ctx, conversationID, endpointClose, func(c *conversation, now time.Time) any {
		c.endLocked(StateClosed, string(typ), now)
		return &altabots.CloseRequest{ConversationID: c.id, Timestamp: altabots.Millis(now), Type: typ}
	})
}

// userCall makes a call on an open conversation: apply changes it and
// returns the body to send.
func (s *Server) userCall(ctx context.Context, conversationID string, ep endpoint, apply func(c *conversation, now time.Time) any) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	c := s.convs[conversationID]
	if c == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w %q", ErrUnknownConversation, conversationID)
	}
	now := s.now()
	s.expireLocked(c, now)
	if !c.talking() {
		state := c.state
		s.mu.Unlock()
		return fmt.Errorf("%w: conversation %s is %s", ErrNotOpen, conversationID, state)
	}
	done := s.callDeskLocked(ctx, c, ep, apply(c, now))
	s.notifyLocked()
	s.mu.Unlock()
	return <-done
}

// deadlineReached is the first-reply timer of conversation id.
func (s *Server) deadlineReached(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.convs[id]; c != nil && !s.closed {
		s.expireLocked(c, s.now())
		s.notifyLocked()
	}
}

// expireLocked ends c when its first-reply deadline has passed at now
// without a reply, and tells the desk with a TIMEOUT close. Whoever looks
// first — the timer, a request, a wait, an inspection — does it, so the
// outcome depends on the Clock, not on which goroutine runs first.
func (s *Server) expireLocked(c *conversation, now time.Time) {
	if c.state != StateWaitingFirstReply || now.Before(c.deadline) {
		return
	}
	c.endLocked(StateEndedNoReply, ReasonNoReply, c.deadline)
	if s.closed {
		return
	}
	// AltaBots does not say what it sends the desk here; the fake closes
	// as for a timed-out user.
	s.callDeskLocked(s.ctx, c, endpointClose, &altabots.CloseRequest{
		ConversationID: c.id, Timestamp: altabots.Millis(c.deadline), Type: altabots.CloseTimeout,
	})
}

// callDeskLocked records a call to the desk and starts it in a goroutine
// of the server. The channel receives its outcome: nil when the desk
// accepted, a *DeskCallError otherwise. The caller holds s.mu and has
// checked that the server is not closed.
func (s *Server) callDeskLocked(ctx context.Context, c *conversation, ep endpoint, body any) <-chan error {
	done := make(chan error, 1)
	raw, err := json.Marshal(body)
	if err != nil { // the request types always encode; never seen
		done <- &DeskCallError{Endpoint: endpointNames[ep], ConversationID: c.id, Err: err}
		return done
	}
	call := &DeskCall{
		Endpoint: endpointNames[ep], ConversationID: c.id, URL: s.deskURL(ep),
		Body: raw, At: s.now(), InFlight: true,
	}
	s.deskCalls = append(s.deskCalls, call)
	c.pending++
	finish := func(err error) {
		s.mu.Lock()
		c.pending--
		s.notifyLocked()
		s.mu.Unlock()
		done <- err
	}
	if !s.base.Go(func() { finish(s.send(ctx, call)) }) {
		// Close has begun; the caller's check makes this unreachable.
		c.pending--
		call.InFlight = false
		call.Err = &DeskCallError{Endpoint: call.Endpoint, ConversationID: c.id, Err: ErrClosed}
		done <- call.Err
	}
	return done
}

// maxAnswerBytes caps what the server reads of a desk's answer.
const maxAnswerBytes = 64 << 10

// send makes call and records its outcome.
func (s *Server) send(ctx context.Context, call *DeskCall) error {
	o := s.base.Post(ctx, s.cfg.DeliveryClient, fakeserver.Outgoing{
		URL: call.URL, Body: call.Body, Header: http.Header{"User-Agent": {"altabotstest"}},
		Auth: s.cfg.deskAuth, Timeout: s.cfg.DeliveryTimeout, KeepAnswer: maxAnswerBytes,
		OnSend: func(h http.Header) {
			s.mu.Lock()
			call.Header = h
			s.mu.Unlock()
		},
	})
	fail := &DeskCallError{Endpoint: call.Endpoint, ConversationID: call.ConversationID, Status: o.Status}
	switch {
	case o.Err != nil:
		fail.Err = o.Err
	case o.AnswerErr != nil:
		fail.Err = o.AnswerErr
	default:
		fail.Code, fail.Message, fail.Problem = decodeAnswer(o.Answer)
		if o.Status == http.StatusOK && fail.Problem == "" && fail.Code == CodeSuccess {
			fail = nil
		}
	}
	return s.record(call, o, fail)
}

// record stores a call's outcome and logs it; it returns the call's error
// as the error type (a nil *DeskCallError is a nil error).
func (s *Server) record(call *DeskCall, o fakeserver.Outcome, fail *DeskCallError) error {
	s.mu.Lock()
	call.InFlight = false
	if o.Header != nil {
		call.Header = o.Header
	}
	call.Status, call.Answer = o.Status, o.Answer
	var err error
	if fail != nil {
		call.Code, call.Message, call.Err = fail.Code, fail.Message, fail
		err = fail
	}
	s.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("endpoint", call.Endpoint), slog.String("conversation_id", call.ConversationID),
		slog.Int("status", call.Status),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "altabotstest desk call", attrs...)
	return err
}

// decodeAnswer reads the desk's answer, which the handoff page documents
// as {code: int, message: string}. problem is "" for an answer of that
// shape, and otherwise says what is wrong with it.
func decodeAnswer(raw []byte) (code int, message, problem string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return 0, "", "not a JSON object"
	}
	codeRaw, ok := fields["code"]
	if !ok || string(codeRaw) == "null" {
		return 0, "", "code is missing"
	}
	var c int
	if json.Unmarshal(codeRaw, &c) != nil {
		return 0, "", "code is not an integer"
	}
	if msgRaw, ok := fields["message"]; ok && string(msgRaw) != "null" {
		if json.Unmarshal(msgRaw, &message) != nil {
			return c, "", "message is not a string"
		}
	}
	return c, message, ""
}
