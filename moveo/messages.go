package moveo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// This file is the message calls (moveo-api-notes.md, "Calls into Moveo"):
// the user's messages, an external agent's messages, and receipts.

// messageInput is a message's "input" object.
type messageInput struct {
	Text        string       `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// userMessageBody is the body of POST …/messages.
type userMessageBody struct {
	Input   messageInput   `json:"input"`
	Context map[string]any `json:"context,omitempty"`
}

// agentMessageBody is the body of POST …/messages/agent.
type agentMessageBody struct {
	Input messageInput `json:"input"`
	Agent Agent        `json:"agent"`
}

// requestIDAnswer is the answer of the calls that return only an id.
type requestIDAnswer struct {
	RequestID string `json:"request_id"`
}

// SendMessage forwards what the user said to the session (POST
// …/sessions/{session_id}/messages, 202) and returns Moveo's request id.
// The AI agent's reply arrives later as a message:brain_send webhook event,
// or a human agent's as message:send after a handover.
//
// msg needs a non-empty Text or at least one attachment; each attachment
// needs one of the four types and an absolute URL. SendMessage checks that
// before sending and returns an error naming the field that matches
// ErrValidation.
//
// Moveo documents no idempotency key, so a message sent twice is two
// messages: SendMessage is retried only when the first attempt provably
// never reached Moveo (a dial error) or Moveo said it did not process it
// (429, 503), never after a 502, a 504 or a connection that broke after
// the request went out. Such an error leaves it open whether Moveo got the
// message.
//
// An expired session gives ErrSessionNotFound; SendMessageOrRenew handles
// that case.
func (c *Client) SendMessage(ctx context.Context, sessionID string, msg UserMessage) (requestID string, err error) {
	const op = "SendMessage"
	if err := checkInput(op, msg.Text, msg.Attachments); err != nil {
		return "", err
	}
	body := userMessageBody{Input: messageInput{Text: msg.Text, Attachments: msg.Attachments}, Context: msg.Context}
	var out requestIDAnswer
	if err := c.sessionCall(ctx, op, sessionID, http.MethodPost, "messages", body, &out, false); err != nil {
		return "", err
	}
	return out.RequestID, nil
}

// SendMessageOrRenew is SendMessage for a session that may have expired.
// When Moveo answers that sessionID is gone (ErrSessionNotFound), it
// creates a new session with renew and sends msg there, once. A 404 means
// Moveo did not take the message, so sending it again cannot duplicate it.
//
// The result says where the message went; when Renewed is not nil, the
// caller must store Renewed.SessionID in place of sessionID (and may want
// to map the old one to it, since webhook events name the new one). The new
// session starts with renew.Context only: Moveo does not carry the expired
// session's context over. If the message then fails in the new session, the
// error comes with the result, Renewed set, so the new session is not lost.
//
// It is opt-in because renewal is not always right: a channel whose user
// should see that the conversation ended calls SendMessage and handles
// ErrSessionNotFound itself.
func (c *Client) SendMessageOrRenew(ctx context.Context, sessionID string, msg UserMessage, renew CreateSessionRequest) (*SentMessage, error) {
	requestID, err := c.SendMessage(ctx, sessionID, msg)
	if err == nil {
		return &SentMessage{SessionID: sessionID, RequestID: requestID}, nil
	}
	if !errors.Is(err, ErrSessionNotFound) {
		return nil, err
	}
	session, createErr := c.CreateSession(ctx, renew)
	if createErr != nil {
		return nil, fmt.Errorf("moveo: SendMessageOrRenew: session expired; creating a new one: %w", createErr)
	}
	res := &SentMessage{SessionID: session.SessionID, Renewed: session}
	if res.RequestID, err = c.SendMessage(ctx, session.SessionID, msg); err != nil {
		return res, fmt.Errorf("moveo: SendMessageOrRenew: sending to the new session: %w", err)
	}
	return res, nil
}

// SendAgentMessage records a message that an agent outside Moveo wrote
// (POST …/sessions/{session_id}/messages/agent), so that Moveo's transcript
// holds both sides. It returns Moveo's request id when Moveo sends one.
//
// msg needs a non-empty Text or at least one attachment, and Agent.ID.
// Like SendMessage it is not retried once Moveo may have received it.
func (c *Client) SendAgentMessage(ctx context.Context, sessionID string, msg AgentMessage) (requestID string, err error) {
	const op = "SendAgentMessage"
	if err := checkInput(op, msg.Text, msg.Attachments); err != nil {
		return "", err
	}
	if msg.Agent.ID == "" {
		return "", invalid(op, "Agent.ID", "required")
	}
	body := agentMessageBody{Input: messageInput{Text: msg.Text, Attachments: msg.Attachments}, Agent: msg.Agent}
	var out requestIDAnswer
	if err := c.sessionCall(ctx, op, sessionID, http.MethodPost, "messages/agent", body, &out, false); err != nil {
		return "", err
	}
	return out.RequestID, nil
}

// MarkRead tells Moveo the user has read the session's messages (POST
// …/sessions/{session_id}/messages/read). It is retried like an idempotent
// call: a receipt sent twice marks the same messages.
func (c *Client) MarkRead(ctx context.Context, sessionID string) error {
	return c.sessionCall(ctx, "MarkRead", sessionID, http.MethodPost, "messages/read", emptyObject, nil, true)
}

// MarkDelivered tells Moveo the session's messages reached the user (POST
// …/sessions/{session_id}/messages/delivered). It is retried like an
// idempotent call: a receipt sent twice marks the same messages.
func (c *Client) MarkDelivered(ctx context.Context, sessionID string) error {
	return c.sessionCall(ctx, "MarkDelivered", sessionID, http.MethodPost, "messages/delivered", emptyObject, nil, true)
}

// checkInput checks a message's input as Moveo documents it: text or at
// least one attachment; each attachment of a known type with an absolute
// URL.
func checkInput(op, text string, attachments []Attachment) error {
	if text == "" && len(attachments) == 0 {
		return invalid(op, "Text", "required when there are no attachments")
	}
	for i, a := range attachments {
		field := fmt.Sprintf("Attachments[%d]", i)
		if !a.Type.valid() {
			return invalid(op, field+".Type", "must be image, video, audio or file")
		}
		if a.URL == "" {
			return invalid(op, field+".URL", "required")
		}
		if u, err := url.Parse(a.URL); err != nil || !u.IsAbs() || (u.Host == "" && u.Opaque == "") {
			return invalid(op, field+".URL", "must be an absolute URL")
		}
	}
	return nil
}
