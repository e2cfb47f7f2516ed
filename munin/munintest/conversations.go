package munintest

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// The conversation service (munin-api-reference.md §4, §6): the business
// rules shared by the REST routes, the MCP tools and the Dashboard. Each
// method takes the server lock for its whole run; it checks everything
// before it changes anything.

// defaultClaimTTL is a claim's default life (§4, §6).
const defaultClaimTTL = 30 * time.Minute

// sendInput is a post through the send path.
type sendInput struct {
	body              string
	internal          bool
	inReplyToID       string
	preserveAttention bool
	sinceMessageID    string
	claim             *bool
	components        any
}

// handoverInput is a request-handover.
type handoverInput struct {
	reason, suggestedReply, fallback string
	skipNote                         bool // REST postSystemNote:false
}

// listFilter filters the conversation list.
type listFilter struct {
	status, assigneeID, topicID, endUserID, handover string
	needsHumanAttention                              *bool
	since                                            *time.Time
	limit                                            int
	cursor                                           string
}

func (s *Server) convLocked(id string) (*conversation, error) {
	c := s.st.convs[id]
	if c == nil {
		return nil, errConvNotFound(id)
	}
	return c, nil
}

// getConversation is GET /v1/conversations/:id (withClaim) and
// conv_get_conversation.
func (s *Server) getConversation(o *op, id string, withClaim bool) (*detailJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	d := s.detailLocked(c)
	if withClaim {
		d.Claim = json.RawMessage("null")
		if cl := c.activeClaim(o.now); cl != nil {
			d.Claim, _ = marshalJS(claimJSON{HolderType: "user", HolderID: cl.holderID, ExpiresAt: iso(cl.expiresAt)})
		}
	}
	return d, nil
}

// listConversations is GET /v1/conversations and conv_list_conversations:
// flagged first, then by last message and creation, newest first.
func (s *Server) listConversations(o *op, f listFilter) ([]summaryJSON, *string, error) {
	if f.cursor != "" {
		// §7: following nextCursor answers 500 at the reference commit.
		return nil, nil, errInternal("list cursor is broken at this Munin commit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []*conversation
	for _, c := range s.st.convOrder {
		switch {
		case f.status != "" && c.status != f.status,
			f.assigneeID != "" && c.assigneeID != f.assigneeID,
			f.topicID != "" && c.topicID != f.topicID,
			f.endUserID != "" && c.endUserID != f.endUserID,
			f.needsHumanAttention != nil && c.needsHumanAttention != *f.needsHumanAttention,
			f.handover == "active" && !c.needsHumanAttention,
			f.handover == "resolved" && c.handoverResolvedAt == nil,
			f.handover == "never" && (c.needsHumanAttention || c.handoverResolvedAt != nil),
			f.since != nil && (c.lastMessageAt == nil || c.lastMessageAt.Before(*f.since)):
			continue
		}
		rows = append(rows, c)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.needsHumanAttention != b.needsHumanAttention {
			return a.needsHumanAttention
		}
		if la, lb := timeOrZero(a.lastMessageAt), timeOrZero(b.lastMessageAt); !la.Equal(lb) {
			return la.After(lb)
		}
		return a.createdAt.After(b.createdAt)
	})
	limit := f.limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var next *string
	if len(rows) > limit {
		last := rows[limit-1]
		cur, _ := json.Marshal(struct {
			LastMessageAt *string `json:"lastMessageAt"`
			ID            string  `json:"id"`
		}{isoPtr(last.lastMessageAt), last.id})
		enc := base64.RawURLEncoding.EncodeToString(cur)
		next = &enc
		rows = rows[:limit]
	}
	items := make([]summaryJSON, len(rows))
	for i, c := range rows {
		items[i] = s.summaryLocked(c)
		preview, _ := marshalJS(previewText(s.lastInboundLocked(c)))
		items[i].LastInboundPreview = preview
	}
	return items, next, nil
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// lastInboundLocked is the body of the latest public end-user message.
func (s *Server) lastInboundLocked(c *conversation) *string {
	var last *message
	for _, m := range c.messages {
		if m.authorType == "end_user" && !m.internal && (last == nil || !m.createdAt.Before(last.createdAt)) {
			last = m
		}
	}
	if last == nil {
		return nil
	}
	return &last.body
}

var spaces = regexp.MustCompile(`\s+`)

// previewText collapses white space and cuts at 200 characters.
func previewText(body *string) *string {
	if body == nil {
		return nil
	}
	p := strings.TrimSpace(spaces.ReplaceAllString(*body, " "))
	if p == "" {
		return nil
	}
	if u := []rune(p); len(u) > 200 {
		p = string(u[:199]) + "…"
	}
	return &p
}

// sendMessage is the send path: POST …/messages, conv_send_message, and
// the Dashboard's replies. authorType is "agent" for a key and "user" for a
// Munin user.
func (s *Server) sendMessage(o *op, convID string, in sendInput, authorType string) (*messageJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.convLocked(convID)
	if err != nil {
		return nil, err
	}
	if authorType == "agent" && s.heldByOtherLocked(c, o) {
		return nil, errConflict("handover_active", "handover_active: a human has taken over conversation "+c.id)
	}
	if authorType == "agent" && !in.internal && in.sinceMessageID != "" {
		if race := agentPostSince(c, in.sinceMessageID); race != nil {
			return nil, errConflict("agent_reply_race", "agent_reply_race: another agent reply ("+race.id+") was posted to conversation "+c.id+" since the caller's sinceMessageId; skipping duplicate")
		}
	}

	meta := map[string]any{}
	if in.components != nil && !in.internal {
		meta["components"] = in.components
	}
	m := s.insertMessageLocked(o, c, &message{
		authorType: authorType, authorID: o.actor.id, body: in.body,
		internal: in.internal, inReplyToID: in.inReplyToID, metadata: meta, createdAt: o.now,
	})
	wasFlagged := c.needsHumanAttention
	clearAttention := !in.internal && !in.preserveAttention
	c.lastMessageAt, c.updatedAt = &o.now, o.now
	if clearAttention {
		s.clearAttentionLocked(c, o.now)
	}
	if o.actor.typ == "user" && authorType == "user" && !in.internal && (in.claim == nil || *in.claim) {
		// A dashboard reply claims the conversation, or refreshes the
		// claim, for 30 minutes; someone else's claim is left alone.
		if err := s.claimLocked(o, c, defaultClaimTTL); err != nil && !isConflict(err, "claim_held_by_other") {
			return nil, err
		}
	}
	if !m.internal {
		s.emitLocked(o, "conversation.message.sent", map[string]any{
			"conversationId": c.id, "messageId": m.id, "authorType": authorType, "internal": false,
		})
		if clearAttention && wasFlagged {
			s.emitLocked(o, "conversation.handover_resolved", map[string]any{
				"conversationId": c.id, "messageId": m.id, "authorType": authorType,
			})
		}
	}
	dto := s.messageLocked(m, false)
	return &dto, nil
}

// agentPostSince returns a public agent message newer than the message
// sinceID, if any. An unknown sinceID finds none, as in Munin. "Newer" is a
// later createdAt or, at the same createdAt, a later insertion: on a frozen
// test Clock every post shares one createdAt, where Munin's would differ by
// the milliseconds between the requests.
func agentPostSince(c *conversation, sinceID string) *message {
	i := slices.IndexFunc(c.messages, func(m *message) bool { return m.id == sinceID })
	if i < 0 {
		return nil
	}
	since := c.messages[i]
	for j, m := range c.messages {
		newer := m.createdAt.After(since.createdAt) || (j > i && m.createdAt.Equal(since.createdAt))
		if newer && m.authorType == "agent" && !m.internal {
			return m
		}
	}
	return nil
}

// clearAttentionLocked clears the handover flag, stamping handoverResolvedAt
// when it was set.
func (s *Server) clearAttentionLocked(c *conversation, now time.Time) {
	if c.needsHumanAttention {
		c.handoverResolvedAt = &now
	}
	c.needsHumanAttention, c.needsHumanAttentionAt = false, nil
}

// heldByOtherLocked reports whether an active claim is held by someone other
// than the user the actor claims as (§4: a key's creator).
func (s *Server) heldByOtherLocked(c *conversation, o *op) bool {
	cl := c.activeClaim(o.now)
	return cl != nil && (o.actor.claimer == "" || cl.holderID != o.actor.claimer)
}

// insertMessageLocked stores m with a new id and ingestion time.
func (s *Server) insertMessageLocked(o *op, c *conversation, m *message) *message {
	m.id = newID("cvm")
	m.conversationID = c.id
	m.ingestedAt = s.st.nextIngestTime(o.now)
	if m.metadata == nil {
		m.metadata = map[string]any{}
	}
	c.messages = append(c.messages, m)
	return m
}

// claimLocked takes or refreshes a claim as the actor's user (§4, §7): a new
// claim emits taken_over; a refresh by the holder resets the expiry to now
// + ttl (it may shorten it) and emits nothing.
func (s *Server) claimLocked(o *op, c *conversation, ttl time.Duration) error {
	holder := o.actor.claimer
	if holder == "" {
		return errInternal("claim_requires_user_or_agent_actor")
	}
	expires := o.now.Add(ttl)
	if cl := c.activeClaim(o.now); cl != nil {
		if cl.holderID != holder {
			return errConflict("claim_held_by_other", "claim_held_by_other: conversation already claimed by "+cl.holderID)
		}
		cl.expiresAt = expires
		return nil
	}
	c.claim = &claim{holderID: holder, expiresAt: expires, createdAt: o.now}
	s.emitLocked(o, "conversation.taken_over", map[string]any{
		"conversationId": c.id, "holderType": "user", "holderId": holder, "expiresAt": iso(expires),
	})
	return nil
}

func isConflict(err error, code string) bool {
	e, ok := err.(*apiError)
	return ok && e.code == code
}

// takeOver is POST …/take-over.
func (s *Server) takeOver(o *op, id string, ttl time.Duration) (*claimJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.actor.claimer == "" {
		return nil, errInternal("claim_requires_user_or_agent_actor")
	}
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	if err := s.claimLocked(o, c, ttl); err != nil {
		return nil, err
	}
	return &claimJSON{HolderType: "user", HolderID: c.claim.holderID, ExpiresAt: iso(c.claim.expiresAt)}, nil
}

// release is POST …/release: only the holder may release, unless force (a
// REST close). Without an active claim it does nothing; an unknown
// conversation is 404 conv_not_found (§4).
func (s *Server) release(o *op, id string, force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.convLocked(id)
	if err != nil {
		return err
	}
	return s.releaseLocked(o, c, force)
}

func (s *Server) releaseLocked(o *op, c *conversation, force bool) error {
	cl := c.activeClaim(o.now)
	if cl == nil {
		return nil
	}
	if !force && (o.actor.claimer == "" || cl.holderID != o.actor.claimer) {
		return errConflict("claim_held_by_other", "claim_held_by_other: conversation already claimed by "+cl.holderID)
	}
	c.claim = nil
	s.emitLocked(o, "conversation.released", map[string]any{
		"conversationId": c.id, "holderType": "user", "holderId": cl.holderID,
	})
	return nil
}

// requestHandover flags the conversation for a human (§4): an internal
// system note, an optional internal draft (MCP suggestedReply), an optional
// public fallback posted as the agent without message.sent, then the flag
// and handover_requested. An already flagged conversation is left as is.
func (s *Server) requestHandover(o *op, id string, in handoverInput) (*summaryJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	if c.needsHumanAttention {
		sum := s.summaryLocked(c)
		return &sum, nil
	}
	reason := strings.TrimSpace(in.reason)
	note := "Agent requested handover."
	if reason != "" {
		note = "Agent requested handover: " + reason
	}
	if !in.skipNote {
		s.insertMessageLocked(o, c, &message{authorType: "system", authorID: o.actor.id, body: note, internal: true, createdAt: o.now})
	}
	if draft := strings.TrimSpace(in.suggestedReply); draft != "" {
		s.insertMessageLocked(o, c, &message{authorType: "agent", authorID: o.actor.id, body: draft, internal: true,
			metadata: map[string]any{"kind": "draft_reply"}, createdAt: o.now})
	}
	if fallback := strings.TrimSpace(in.fallback); fallback != "" {
		s.insertMessageLocked(o, c, &message{authorType: "agent", authorID: o.actor.id, body: fallback,
			metadata: map[string]any{"kind": "handover_fallback"}, createdAt: o.now})
	}
	c.needsHumanAttention, c.needsHumanAttentionAt, c.handoverResolvedAt = true, &o.now, nil
	c.lastMessageAt, c.updatedAt = &o.now, o.now
	var r any
	if reason != "" {
		r = reason
	}
	s.emitLocked(o, "conversation.handover_requested", map[string]any{"conversationId": c.id, "reason": r})
	sum := s.summaryLocked(c)
	return &sum, nil
}

// setAgentMode is POST …/agent-mode.
func (s *Server) setAgentMode(o *op, id, mode string) (*summaryJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	c.agentMode, c.updatedAt = mode, o.now
	s.emitLocked(o, "conversation.agent_mode_changed", map[string]any{"conversationId": c.id, "agentMode": mode})
	sum := s.summaryLocked(c)
	return &sum, nil
}

// assign is POST …/assign and conv_assign_conversation; "" unassigns. The
// assignee must be an org member.
func (s *Server) assign(o *op, id, assignee string) (*summaryJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if assignee != "" && s.st.userByID(assignee) == nil {
		return nil, errBadRequest("conv_invalid: user " + assignee + " is not a member of this org")
	}
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	c.assigneeID, c.updatedAt = assignee, o.now
	var a any
	if assignee != "" {
		a = assignee
	}
	s.emitLocked(o, "conversation.assigned", map[string]any{"conversationId": c.id, "assigneeUserId": a})
	sum := s.summaryLocked(c)
	return &sum, nil
}

// changeStatus is POST …/status (releaseOnClose) and conv_change_status:
// closing clears the handover flag; over REST it also force-releases the
// claim (§4), over MCP it does not (§5).
func (s *Server) changeStatus(o *op, id, status string, snoozeUntil *time.Time, releaseOnClose bool) (*summaryJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == "snoozed" && snoozeUntil == nil {
		return nil, errBadRequest(`conv_invalid: snoozeUntil is required when status is "snoozed"`)
	}
	c, err := s.convLocked(id)
	if err != nil {
		return nil, err
	}
	c.status, c.snoozeUntil, c.updatedAt = status, nil, o.now
	if status == "snoozed" {
		c.snoozeUntil = snoozeUntil
	}
	if status == "closed" {
		s.clearAttentionLocked(c, o.now)
	}
	s.emitLocked(o, "conversation.status_changed", map[string]any{"conversationId": c.id, "status": status})
	if status == "closed" && releaseOnClose {
		s.releaseLocked(o, c, true)
	}
	sum := s.summaryLocked(c)
	return &sum, nil
}

// summaryLocked renders c as a ConversationSummary.
func (s *Server) summaryLocked(c *conversation) summaryJSON {
	return summaryJSON{
		ID: c.id, DisplayID: c.displayID, Status: c.status, ChannelID: c.channelID,
		EndUserID: null(c.endUserID), ContactID: null(c.contactID), TopicID: null(c.topicID),
		AssigneeUserID: null(c.assigneeID), Subject: null(c.subject),
		LastMessageAt: isoPtr(c.lastMessageAt), NeedsHumanAttention: c.needsHumanAttention,
		NeedsHumanAttentionAt: isoPtr(c.needsHumanAttentionAt), HandoverResolvedAt: isoPtr(c.handoverResolvedAt),
		AgentMode: c.agentMode, UpdatedAt: iso(c.updatedAt), CreatedAt: iso(c.createdAt),
	}
}

// detailLocked renders c as a ConversationDetail, without the claim.
func (s *Server) detailLocked(c *conversation) *detailJSON {
	sum := s.summaryLocked(c)
	sum.ChannelType = "chat"
	d := &detailJSON{summaryJSON: sum, Messages: []messageJSON{}}
	for _, m := range sortedByCreation(c.messages) {
		d.Messages = append(d.Messages, s.messageLocked(m, true))
	}
	ct := s.contactByIDLocked(c.contactID)
	eu := s.endUserByIDLocked(c.endUserID)
	pick := func(a, b string) *string {
		if a != "" {
			return &a
		}
		return null(b)
	}
	var cEmail, cName, euEmail, euName string
	if ct != nil {
		cEmail, cName = ct.email, ct.name
	}
	if eu != nil {
		euEmail, euName = eu.email, eu.name
		if loc, ok := eu.metadata["locale"].(string); ok {
			d.EndUserLocale = &loc
		}
	}
	d.ContactEmail, d.ContactName = pick(cEmail, euEmail), pick(cName, euName)
	return d
}

// sortedByCreation orders messages by createdAt, ties in ingestion order.
func sortedByCreation(ms []*message) []*message {
	out := slices.Clone(ms)
	sort.SliceStable(out, func(i, j int) bool { return out[i].createdAt.Before(out[j].createdAt) })
	return out
}

// messageLocked renders m as a MessageDto. Send answers have no author
// name; the conversation view names users and contacts (§7).
func (s *Server) messageLocked(m *message, names bool) messageJSON {
	out := messageJSON{
		ID: m.id, ConversationID: m.conversationID, AuthorType: m.authorType, AuthorID: m.authorID,
		Body: m.body, Internal: m.internal, InReplyToID: null(m.inReplyToID),
		Attachments: []any{}, Metadata: jsonbObject(m.metadata), CreatedAt: iso(m.createdAt),
	}
	if names {
		out.AuthorName = s.authorNameLocked(m)
	}
	return out
}

func (s *Server) authorNameLocked(m *message) *string {
	switch m.authorType {
	case "user":
		if u := s.st.userByID(m.authorID); u != nil {
			if u.name != "" {
				return &u.name
			}
			return &u.email
		}
	case "end_user":
		if ct := s.contactByIDLocked(m.authorID); ct != nil {
			if ct.name != "" {
				return &ct.name
			}
			return null(ct.email)
		}
	}
	return nil
}

func (s *Server) endUserByIDLocked(id string) *endUser {
	return firstMatch(s.st.endUsers, func(eu *endUser) bool { return eu.id == id })
}
