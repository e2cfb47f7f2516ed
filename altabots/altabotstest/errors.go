package altabotstest

import (
	"errors"
	"strconv"
)

// Errors of the Server's own methods. Compare with errors.Is.
var (
	// ErrClosed: the server was closed.
	ErrClosed = errors.New("altabotstest: server closed")
	// ErrNoDesk: Escalate needs WithDesk, to know where the desk is.
	ErrNoDesk = errors.New("altabotstest: no desk: start the server WithDesk")
	// ErrUnknownConversation: no conversation has that id.
	ErrUnknownConversation = errors.New("altabotstest: unknown conversation")
	// ErrNotOpen: the conversation is not open for the action — it is
	// still being established, the desk refused it, or it ended (closed,
	// or no first reply in time).
	ErrNotOpen = errors.New("altabotstest: conversation is not open")
)

// DeskCallError is a call to the desk that did not succeed: the desk could
// not be reached (Err is set), or it answered something other than HTTP
// 200 with {"code":0,…}. Escalate, UserSays, Timeout and UserCloses return
// it; DeskCall.Err holds it too.
type DeskCallError struct {
	// Endpoint is EndpointEstablish, EndpointChat or EndpointClose.
	Endpoint string
	// ConversationID is the conversation of the call.
	ConversationID string
	// Status is the answer's HTTP status; 0 when there was no answer.
	Status int
	// Code and Message are the answer's {code, message}, as far as the
	// answer had them.
	Code    int
	Message string
	// Problem says what was wrong with an answer that is not the
	// documented {code, message} object ("code is missing"); "" otherwise.
	Problem string
	// Err is why there was no answer (a refused connection, a timeout, the
	// server's Close); nil when the desk answered.
	Err error
}

// Error returns one line: the endpoint, the conversation, and the answer
// or the reason there was none.
func (e *DeskCallError) Error() string {
	s := "altabotstest: desk " + e.Endpoint + " call for conversation " + e.ConversationID
	if e.Err != nil {
		return s + " failed: " + e.Err.Error()
	}
	s += " answered HTTP " + strconv.Itoa(e.Status) + ", code " + strconv.Itoa(e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Problem != "" {
		s += " (answer is not {code, message}: " + e.Problem + ")"
	}
	return s
}

// Unwrap returns Err.
func (e *DeskCallError) Unwrap() error { return e.Err }
