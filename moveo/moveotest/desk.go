package moveotest

import (
	"slices"
)

// The desk is Moveo's live chat, where human agents answer conversations
// handed over to them. Desk acts as one of those agents and produces the
// events moveo-webhook-event-payloads.txt documents for them.

// Agent is a human agent of the desk, or an agent outside Moveo whose
// message the channel recorded (POST …/messages/agent).
type Agent struct {
	ID     string // agent_id
	Name   string // agent_name
	Avatar string // agent_avatar; optional
	TeamID string // team_id; optional, desk agents only
}

// DefaultAgent is the desk agent Server.Desk acts as, the one of the
// payload page's examples.
var DefaultAgent = Agent{
	ID: "agent-123", Name: "Sarah Johnson",
	Avatar: "https://example.com/avatars/sarah.jpg", TeamID: "support-team",
}

// Desk acts as a human agent in Moveo's live chat. Its methods change the
// session as Moveo would and queue the matching webhook event; they return
// ErrSessionNotFound for a session that is unknown or has ended. Any of
// them counts as activity for the session timeout.
//
// An agent may act on any session, handed over or not: Join and Say give
// the conversation to the desk (the brain stops answering), as when an
// agent takes a conversation over in Moveo.
type Desk struct {
	s     *Server
	agent Agent
}

// Desk returns the desk, acting as DefaultAgent.
func (s *Server) Desk() *Desk { return &Desk{s: s, agent: DefaultAgent} }

// As returns the desk acting as agent a.
func (d *Desk) As(a Agent) *Desk { return &Desk{s: d.s, agent: a} }

// Agent returns the agent the desk acts as.
func (d *Desk) Agent() Agent { return d.agent }

// memberBody is the body of member_join, member_leave and compose.
type memberBody struct {
	AuthorID   string `json:"author_id"`
	AuthorName string `json:"author_name"`
	AuthorType string `json:"author_type"`
	Action     string `json:"action,omitempty"`
}

func (d *Desk) member(action string) memberBody {
	return memberBody{AuthorID: d.agent.ID, AuthorName: d.agent.Name, AuthorType: "agent", Action: action}
}

// act runs fn on a live session under the server's lock.
func (d *Desk) act(sessionID string, fn func(ss *session)) error {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(sessionID)
	if err != nil {
		return ErrSessionNotFound
	}
	ss.lastActive = s.now()
	fn(ss)
	return nil
}

// Join makes the agent join the conversation: conversation:member_join.
// The desk owns the conversation from then on.
func (d *Desk) Join(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		d.s.handOverLocked(ss, "", "")
		d.s.emitLocked(ss, EventMemberJoin, newUUID(), d.member(""))
	})
}

// Type shows the agent typing: message:compose with author_type agent and
// action start.
func (d *Desk) Type(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		d.s.emitLocked(ss, EventMessageCompose, newUUID(), d.member("start"))
	})
}

// StopTyping is message:compose with action stop.
func (d *Desk) StopTyping(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		d.s.emitLocked(ss, EventMessageCompose, newUUID(), d.member("stop"))
	})
}

// Say sends the agent's message to the user: message:send with from, to
// (the session's channel_user_id, else context.user.user_id) and body. The
// desk owns the conversation from then on.
func (d *Desk) Say(sessionID, text string, attachments ...Attachment) error {
	return d.act(sessionID, func(ss *session) {
		s := d.s
		s.handOverLocked(ss, "", "")
		requestID := newUUID()
		a := d.agent
		ss.messages = append(ss.messages, Message{
			RequestID: requestID, Author: AuthorAgent, Text: text,
			Attachments: slices.Clone(attachments), Agent: &a, At: ss.lastActive,
		})
		type from struct {
			AgentID     string `json:"agent_id"`
			AgentName   string `json:"agent_name"`
			AgentAvatar string `json:"agent_avatar,omitempty"`
			TeamID      string `json:"team_id,omitempty"`
		}
		type to struct {
			UserID string `json:"user_id"`
		}
		type body struct {
			Text        string       `json:"text"`
			Attachments []Attachment `json:"attachments"`
		}
		atts := slices.Clone(attachments)
		if atts == nil {
			atts = []Attachment{}
		}
		s.emitLocked(ss, EventMessageSend, requestID, struct {
			From from `json:"from"`
			To   to   `json:"to"`
			Body body `json:"body"`
		}{from{a.ID, a.Name, a.Avatar, a.TeamID}, to{userID(ss)}, body{text, atts}})
	})
}

// userID is the user a desk message goes to.
func userID(ss *session) string {
	if ss.channelUserID != "" {
		return ss.channelUserID
	}
	if u, ok := ss.context["user"].(map[string]any); ok {
		if id, ok := u["user_id"].(string); ok {
			return id
		}
	}
	return ""
}

// Read marks the user's messages read by the agent: message:read with
// author_type agent.
func (d *Desk) Read(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		d.s.emitLocked(ss, EventMessageRead, newUUID(), struct {
			AuthorType string `json:"author_type"`
		}{"agent"})
	})
}

// Leave makes the agent leave: conversation:member_leave. The conversation
// stays with the desk until it is closed.
func (d *Desk) Leave(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		d.s.emitLocked(ss, EventMemberLeave, newUUID(), d.member(""))
	})
}

// Close resolves the conversation: conversation:closed with status
// resolved and the agent. The brain answers the user again.
func (d *Desk) Close(sessionID string) error {
	return d.act(sessionID, func(ss *session) {
		a := d.agent
		d.s.resolveLocked(ss, &a)
	})
}

// Reopen reopens a resolved conversation: conversation:reopened. It goes
// back to the desk if the desk had it when it was resolved.
func (d *Desk) Reopen(sessionID string) error {
	return d.act(sessionID, d.s.reopenLocked)
}
