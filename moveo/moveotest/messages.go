package moveotest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
)

// Messages (moveo-api-notes.md, "Calls into Moveo" and "Details"): the
// user's messages, which the brain answers asynchronously, and messages of
// an agent outside Moveo.

// input is a message's validated input.
type input struct {
	text        string
	attachments []Attachment
}

// parseInput checks {text?, attachments?:[{type, mime_type, url,
// filename}]}: a non-empty text or at least one attachment, each of type
// image, video, audio or file with an absolute URL.
func parseInput(m map[string]any) (input, error) {
	in, ok := m["input"].(map[string]any)
	if !ok {
		return input{}, errBadRequest("input must be an object")
	}
	var out input
	var err error
	if out.text, err = optString(in, "text"); err != nil {
		return input{}, errBadRequest("input.text must be a string")
	}
	if raw, ok := in["attachments"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return input{}, errBadRequest("input.attachments must be an array")
		}
		for i, item := range list {
			a, err := parseAttachment(item)
			if err != nil {
				return input{}, errBadRequest("input.attachments[%d]: %s", i, err.(*apiError).message)
			}
			out.attachments = append(out.attachments, a)
		}
	}
	if out.text == "" && len(out.attachments) == 0 {
		return input{}, errBadRequest("input needs a non-empty text or at least one attachment")
	}
	return out, nil
}

func parseAttachment(item any) (Attachment, error) {
	m, ok := item.(map[string]any)
	if !ok {
		return Attachment{}, errBadRequest("must be an object")
	}
	var a Attachment
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"type", &a.Type}, {"mime_type", &a.MimeType}, {"url", &a.URL}, {"filename", &a.Filename}} {
		if *f.dst, err = optString(m, f.key); err != nil {
			return Attachment{}, err
		}
	}
	switch a.Type {
	case "image", "video", "audio", "file":
	default:
		return Attachment{}, errBadRequest("type must be one of image, video, audio, file")
	}
	if u, err := url.Parse(a.URL); err != nil || u.Scheme == "" || !u.IsAbs() {
		return Attachment{}, errBadRequest("url must be a URI")
	}
	return a, nil
}

// handleSendMessage is POST …/messages: 202 {request_id}. Unless the desk
// owns the conversation, the Brain's answer is queued as
// message:brain_send, with the message's request_id, before the 202 is
// sent.
func (s *Server) handleSendMessage(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	in, err := parseInput(m)
	if err != nil {
		return 0, nil, err
	}
	msgCtx, _, err := optObject(m, "context")
	if err != nil {
		return 0, nil, err
	}

	s.mu.Lock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	now := s.now()
	ss.lastActive = now
	maps.Copy(ss.context, msgCtx)
	ss.resolved = false // a new message after a resolution starts over with the brain
	history := slices.Clone(ss.messages)
	ss.messages = append(ss.messages, Message{
		RequestID: c.requestID, Author: AuthorUser, Text: in.text, Attachments: in.attachments, At: now,
	})
	answer := !ss.withDesk
	brain := s.brain
	bi := BrainInput{
		SessionID: ss.id, ExternalSessionID: ss.externalID, RequestID: c.requestID,
		Text: in.text, Attachments: slices.Clone(in.attachments),
		Context: deepCopy(ss.context).(map[string]any), History: cloneMessages(history),
	}
	s.mu.Unlock()
	if !answer {
		return http.StatusAccepted, map[string]any{"request_id": c.requestID}, nil
	}

	responses, h, err := s.runBrain(brain, bi)
	if err != nil {
		s.internalError(err)
		return 0, nil, errInternal("the brain failed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.status != StatusActive || len(responses) == 0 {
		return http.StatusAccepted, map[string]any{"request_id": c.requestID}, nil
	}
	ss.messages = append(ss.messages, Message{
		RequestID: c.requestID, Author: AuthorBrain, Responses: responses, At: s.now(),
	})
	s.emitLocked(ss, EventBrainSend, c.requestID, struct {
		Output struct {
			Responses []json.RawMessage `json:"responses"`
		} `json:"output"`
	}{Output: struct {
		Responses []json.RawMessage `json:"responses"`
	}{responses}})
	if h != nil {
		s.handOverLocked(ss, h.deskID, h.departmentID)
	}
	return http.StatusAccepted, map[string]any{"request_id": c.requestID}, nil
}

// handleAgentMessage is POST …/messages/agent: a message of an agent
// outside Moveo, {input, agent:{agent_id, agent_name?, agent_avatar?}},
// recorded in the session. 202 {request_id}; no event and no brain reply.
func (s *Server) handleAgentMessage(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	in, err := parseInput(m)
	if err != nil {
		return 0, nil, err
	}
	agent, ok := m["agent"].(map[string]any)
	if !ok {
		return 0, nil, errBadRequest("agent must be an object")
	}
	var a Agent
	if a.ID, err = optString(agent, "agent_id"); err != nil || a.ID == "" {
		return 0, nil, errBadRequest("agent.agent_id is required")
	}
	if a.Name, err = optString(agent, "agent_name"); err != nil {
		return 0, nil, err
	}
	if a.Avatar, err = optString(agent, "agent_avatar"); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	ss.messages = append(ss.messages, Message{
		RequestID: c.requestID, Author: AuthorExternalAgent, Text: in.text, Attachments: in.attachments,
		Agent: &a, At: ss.lastActive,
	})
	return http.StatusAccepted, map[string]any{"request_id": c.requestID}, nil
}
