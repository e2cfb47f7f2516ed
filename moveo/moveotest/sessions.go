package moveotest

import (
	"errors"
	"maps"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Sessions and their conversation (moveo-api-notes.md, "Calls into
// Moveo"): create, context, handover, close and reopen the conversation,
// close the session, and expiry after session_timeout of inactivity.

// Session statuses, Session.Status.
const (
	StatusActive  = "active"
	StatusClosed  = "closed"  // POST …/close
	StatusExpired = "expired" // no activity for the session timeout, or ExpireSession
)

// ErrSessionNotFound is returned by the Desk's methods and ExpireSession
// for a session the server does not know or that has ended, the case in
// which the API answers 404 session_not_found.
var ErrSessionNotFound = errors.New("moveotest: session not found or ended")

// session is one session as the server holds it. Every field is guarded by
// Server.mu.
type session struct {
	id, externalID, channelUserID string
	context                       map[string]any
	createdAt, lastActive         time.Time
	status                        string
	endedAt                       time.Time
	withDesk                      bool // a human desk owns the conversation
	deskOnReopen                  bool // it was with the desk when resolved
	deskID, departmentID          string
	resolved                      bool
	readAt, deliveredAt           time.Time
	messages                      []Message
}

func (ss *session) expiry(timeout time.Duration) time.Time { return ss.lastActive.Add(timeout) }

// liveLocked returns the session id if it is active, first expiring every
// session whose timeout passed.
func (s *Server) liveLocked(id string) (*session, error) {
	s.sweepLocked()
	ss := s.sessions[id]
	if ss == nil || ss.status != StatusActive {
		return nil, errSessionNotFound(id)
	}
	return ss, nil
}

// sweepLocked expires the active sessions idle for the session timeout and
// emits session:expired for each. Their timestamp is when the fake noticed
// (now), and Session.EndedAt is when the timeout ran out.
func (s *Server) sweepLocked() {
	now := s.now()
	for _, ss := range s.sessionOrder {
		if ss.status != StatusActive {
			continue
		}
		if at := ss.expiry(s.cfg.sessionTimeout); !now.Before(at) {
			s.endLocked(ss, StatusExpired, at)
		}
	}
}

// endLocked ends a session and emits its event.
func (s *Server) endLocked(ss *session, status string, at time.Time) {
	ss.status, ss.endedAt, ss.withDesk = status, at, false
	if status == StatusClosed {
		s.emitLocked(ss, EventSessionClosed, newUUID(), struct {
			Status string `json:"status"`
		}{"closed"})
	} else {
		s.emitLocked(ss, EventSessionExpired, newUUID(), nil)
	}
	s.notifyLocked()
}

// ExpireSession ends the session now as if its timeout had run out: later
// calls on it answer 404 session_not_found and session:expired is
// delivered. It returns ErrSessionNotFound if the session is unknown or
// already ended.
func (s *Server) ExpireSession(sessionID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(sessionID)
	if err != nil {
		return ErrSessionNotFound
	}
	s.endLocked(ss, StatusExpired, s.now())
	return nil
}

// watchExpiry expires sessions as the clock passes their deadline, so that
// session:expired is delivered without a request to notice it. Every
// request, WaitDeliveries and the inspection methods also check, so tests
// never depend on this goroutine's timing.
func (s *Server) watchExpiry() {
	for {
		now, clockMoved := fakeserver.Watch(s.clock)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		s.sweepLocked()
		var next time.Time
		for _, ss := range s.sessionOrder {
			if at := ss.expiry(s.cfg.sessionTimeout); ss.status == StatusActive && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		changed := s.changed.C()
		s.mu.Unlock()

		var timer *time.Timer
		var fired <-chan time.Time
		if fakeserver.IsReal(s.clock) && !next.IsZero() {
			timer = time.NewTimer(next.Sub(now))
			fired = timer.C
		}
		select {
		case <-s.ctx.Done():
		case <-changed:
		case <-clockMoved:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// handleCreateSession is POST …/sessions: 201 {request_id, session_id,
// context}. The body must be an object ({} at least).
func (s *Server) handleCreateSession(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	external, err := optString(m, "external_session_id")
	if err != nil {
		return 0, nil, err
	}
	userID, err := optString(m, "channel_user_id")
	if err != nil {
		return 0, nil, err
	}
	ctx, _, err := optObject(m, "context")
	if err != nil {
		return 0, nil, err
	}
	if ctx == nil {
		ctx = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	now := s.now()
	ss := &session{
		id: newUUID(), externalID: external, channelUserID: userID, context: ctx,
		createdAt: now, lastActive: now, status: StatusActive, deskID: s.deskID,
	}
	s.sessions[ss.id] = ss
	s.sessionOrder = append(s.sessionOrder, ss)
	s.notifyLocked()
	return http.StatusCreated, map[string]any{
		"request_id": c.requestID, "session_id": ss.id, "context": deepCopy(ss.context),
	}, nil
}

// handleUpdateContext is PATCH …/context: the body, an object, is merged
// into the context key by key. It answers 200 {request_id, context}.
func (s *Server) handleUpdateContext(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	maps.Copy(ss.context, m)
	return http.StatusOK, map[string]any{"request_id": c.requestID, "context": deepCopy(ss.context)}, nil
}

// handleHandover is POST …/handover: the conversation goes to the desk
// (desk_id and department_id optional). No event: the channel asked.
func (s *Server) handleHandover(c *call) (int, any, error) {
	m, err := c.object(false)
	if err != nil {
		return 0, nil, err
	}
	desk, err := optString(m, "desk_id")
	if err != nil {
		return 0, nil, err
	}
	dept, err := optString(m, "department_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	s.handOverLocked(ss, desk, dept)
	return http.StatusOK, map[string]any{"request_id": c.requestID}, nil
}

// handOverLocked gives the conversation to the desk.
func (s *Server) handOverLocked(ss *session, deskID, departmentID string) {
	ss.withDesk, ss.resolved = true, false
	if deskID != "" {
		ss.deskID = deskID
	}
	if departmentID != "" {
		ss.departmentID = departmentID
	}
	s.notifyLocked()
}

// handleCloseConversation is POST …/conversation/close: the conversation
// is resolved, the brain answers again, and conversation:closed is sent
// (status resolved, no agent).
func (s *Server) handleCloseConversation(c *call) (int, any, error) {
	return s.sessionAction(c, func(ss *session) {
		s.resolveLocked(ss, nil)
	})
}

// resolveLocked marks the conversation resolved and emits
// conversation:closed, with the agent when one closed it.
func (s *Server) resolveLocked(ss *session, by *Agent) {
	ss.deskOnReopen = ss.withDesk
	ss.resolved, ss.withDesk = true, false
	body := closedBody{Status: "resolved"}
	if by != nil {
		body.AgentID, body.AgentName = by.ID, by.Name
	}
	s.emitLocked(ss, EventConversationClosed, newUUID(), body)
	s.notifyLocked()
}

type closedBody struct {
	Status    string `json:"status"`
	AgentID   string `json:"agent_id,omitempty"`
	AgentName string `json:"agent_name,omitempty"`
}

// handleReopenConversation is POST …/conversation/reopen:
// conversation:reopened is sent, and the conversation goes back to the
// desk if it was with the desk when it was resolved.
func (s *Server) handleReopenConversation(c *call) (int, any, error) {
	return s.sessionAction(c, s.reopenLocked)
}

func (s *Server) reopenLocked(ss *session) {
	ss.resolved = false
	ss.withDesk = ss.deskOnReopen
	s.emitLocked(ss, EventConversationReopened, newUUID(), nil)
	s.notifyLocked()
}

// handleCloseSession is POST …/close: the session ends, session:closed is
// sent, and later calls answer 404.
func (s *Server) handleCloseSession(c *call) (int, any, error) {
	return s.sessionAction(c, func(ss *session) {
		s.endLocked(ss, StatusClosed, s.now())
	})
}

// handleReceipt is POST …/messages/read and …/messages/delivered: recorded
// (Session.ReadAt, DeliveredAt), no event.
func (s *Server) handleReceipt(c *call) (int, any, error) {
	read := c.route == RouteRead
	return s.sessionAction(c, func(ss *session) {
		if read {
			ss.readAt = ss.lastActive
		} else {
			ss.deliveredAt = ss.lastActive
		}
	})
}

// sessionAction runs fn on a live session, marks activity and answers 200
// {request_id}. The body, if any, must be a JSON object.
func (s *Server) sessionAction(c *call, fn func(ss *session)) (int, any, error) {
	if _, err := c.object(false); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	fn(ss)
	return http.StatusOK, map[string]any{"request_id": c.requestID}, nil
}

// deepCopy copies a decoded JSON value, so that a snapshot shares no map
// or slice with the server.
func deepCopy(x any) any { return fakeserver.DeepCopyJSON(x) }
