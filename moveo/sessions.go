package moveo

import (
	"context"
	"errors"
	"net/http"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is the session's life cycle (moveo-api-notes.md, "Calls into
// Moveo"): open, context, hand over, close and reopen the conversation,
// close the session.

// CreateSession opens a session (POST …/sessions, 201). Every field of req
// is optional; an empty req still sends {}, as Moveo requires an object.
//
// It is not retried once Moveo may have received it (a 502 or a broken
// connection): a second attempt could open a second session. A session
// that is left over this way expires on its own.
func (c *Client) CreateSession(ctx context.Context, req CreateSessionRequest) (*Session, error) {
	var out Session
	_, err := c.create.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		Path:   transport.Pathf("v1/custom/%s/sessions", c.integrationID),
		Body:   req,
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.SessionID == "" {
		return nil, errors.New("moveo: CreateSession: the answer holds no session_id")
	}
	return &out, nil
}

// UpdateContext merges fields into the session's context (PATCH
// …/sessions/{session_id}/context). fields must not be nil: Moveo rejects
// a null context, and an empty map (which changes nothing) is the way to
// send an empty object.
//
// It is retried like an idempotent call: patching the same keys to the
// same values twice leaves the same context.
func (c *Client) UpdateContext(ctx context.Context, sessionID string, fields map[string]any) error {
	if fields == nil {
		return invalid("UpdateContext", "context", "must be an object, not nil")
	}
	return c.sessionCall(ctx, "UpdateContext", sessionID, http.MethodPatch, "context", fields, nil, true)
}

// Handover hands the conversation to Moveo's human desk (POST
// …/sessions/{session_id}/handover). req may be empty, which sends {} and
// leaves the desk and department to Moveo's routing.
//
// It is not retried once Moveo may have received it: a second handover
// could queue or route the conversation twice.
func (c *Client) Handover(ctx context.Context, sessionID string, req HandoverRequest) error {
	return c.sessionCall(ctx, "Handover", sessionID, http.MethodPost, "handover", req, nil, false)
}

// CloseConversation marks the conversation resolved (POST
// …/sessions/{session_id}/conversation/close); Moveo then sends
// conversation:closed. It is retried like an idempotent call: it sets a
// state.
func (c *Client) CloseConversation(ctx context.Context, sessionID string) error {
	return c.sessionCall(ctx, "CloseConversation", sessionID, http.MethodPost, "conversation/close", emptyObject, nil, true)
}

// ReopenConversation reopens a resolved conversation (POST
// …/sessions/{session_id}/conversation/reopen); Moveo then sends
// conversation:reopened. It is retried like an idempotent call: it sets a
// state.
func (c *Client) ReopenConversation(ctx context.Context, sessionID string) error {
	return c.sessionCall(ctx, "ReopenConversation", sessionID, http.MethodPost, "conversation/reopen", emptyObject, nil, true)
}

// CloseSession ends the session (POST …/sessions/{session_id}/close); Moveo
// then sends session:closed, and later calls on it fail with
// ErrSessionNotFound.
//
// It is retried like an idempotent call. When an earlier attempt's answer
// was lost, the retry finds the session gone and returns
// ErrSessionNotFound; a caller closing a session may treat that error as
// done.
func (c *Client) CloseSession(ctx context.Context, sessionID string) error {
	return c.sessionCall(ctx, "CloseSession", sessionID, http.MethodPost, "close", emptyObject, nil, true)
}
