package munintest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// The widget API (munin-api-reference.md §2), REST only. Every route runs
// Munin's checks in order (§2.1): authentication, rate limit, a widget key
// bound to a channel, the schema, the key's channel, the channel's state,
// the Origin, the identity.

const feedPageSize = 100 // GET /v1/widget/messages (§2.3)

// ingestInput is a validated POST /v1/widget/messages body (§2.2).
type ingestInput struct {
	channelID, sessionID, visitorID string
	externalID, userHash            string
	visitorName, visitorEmail       string
	visitorMetadata                 map[string]any
	url, providerThreadID, locale   string
	messages                        []ingestMessage
}

type ingestMessage struct {
	body, bodyHTML, providerMessageID, inReplyTo string
	at                                           *time.Time
}

// parseIngest is WidgetIngestInput.
func parseIngest(x any, present bool) (*ingestInput, *validator) {
	v := &validator{}
	o := v.root(x, present)
	in := &ingestInput{}
	in.channelID = o.str("channelId", minLen(1))
	in.sessionID = o.str("sessionId", minLen(1), maxLen(200))
	in.visitorID, _ = o.optStr("visitorId", minLen(1), maxLen(200))
	in.externalID, _ = o.optStr("verifiedExternalId", minLen(1), maxLen(200))
	in.userHash, _ = o.optStr("userHash", isUserHash())
	if vis, ok := o.optObject("visitor"); ok {
		in.visitorName, _ = vis.optStr("name", maxLen(120))
		in.visitorEmail, _ = vis.optStr("email", isEmail())
		in.visitorMetadata, _ = vis.optRecord("metadata")
	}
	in.url, _ = o.optStr("url", isURL())
	in.providerThreadID, _ = o.optStr("providerThreadId", maxLen(200))
	in.locale, _ = o.optStr("locale", minLen(2), maxLen(16))
	for i, item := range o.array("messages", 1, 50) {
		mo := o.item("messages", i, item)
		if mo.m == nil {
			continue
		}
		if mo.has("role") {
			if role, _ := mo.get("role"); role != "end_user" {
				// Only visitor rows exist (§0 row 8): any other role fails
				// the whole request.
				v.invalidValue(extend(mo.path, "role"), []string{"end_user"})
			}
		}
		var m ingestMessage
		m.body = mo.str("body", minLen(1), maxLen(1000))
		m.bodyHTML, _ = mo.optStr("bodyHtml", maxLen(4000))
		m.providerMessageID, _ = mo.optStr("providerMessageId", minLen(1), maxLen(200))
		m.inReplyTo, _ = mo.optStr("inReplyTo", minLen(1), maxLen(200))
		if at, ok := mo.optStr("at", isDatetime()); ok {
			if t, ok := parseDatetime(at); ok {
				m.at = &t
			}
		}
		in.messages = append(in.messages, m)
	}
	return in, v
}

// identity is the result of the identity check (§2.1 check 8).
type identity struct {
	verified   bool
	externalID string
}

// widgetAuth runs checks 1–3: a live key, the throttler, a widget key
// bound to a channel.
func (s *Server) widgetAuth(c *call) (*apiKey, error) {
	key := s.authenticate(c.r.Header.Get("Authorization"))
	if key == nil {
		return nil, errUnauthorized()
	}
	channelID := c.r.URL.Query().Get("channelId")
	if x, ok := c.input(); ok {
		if m, ok := x.(map[string]any); ok {
			if id, ok := m["channelId"].(string); ok {
				channelID = id
			}
		}
	}
	if channelID == "" {
		channelID = "-"
	}
	tracker := "widget:" + key.id + "|" + channelID + "|" + clientIP(c.r)
	if e := s.limiter.throttle(s.now(), c.route, tracker, c.header); e != nil {
		return nil, e
	}
	if key.kind != "widget" || key.channelID == "" {
		return nil, errForbidden("widget_key_required")
	}
	return key, nil
}

// widgetChannelLocked runs checks 6–8 (§2.1): the channel, the Origin and
// the identity.
func (s *Server) widgetChannelLocked(channelID, origin, externalID, userHash string) (*channel, identity, error) {
	ch := s.st.channels[channelID]
	if ch == nil {
		return nil, identity{}, errNotFound("channel " + channelID + " not found")
	}
	if !ch.active {
		return nil, identity{}, errForbidden("channel " + channelID + " is inactive")
	}
	if len(ch.allowlist) == 0 {
		return nil, identity{}, errForbidden("origin_allowlist_required")
	}
	if origin == "" {
		return nil, identity{}, errForbidden("origin_required")
	}
	allowed := false
	for _, entry := range ch.allowlist {
		if sameOrigin(entry, origin) {
			allowed = true
		}
	}
	if !allowed {
		return nil, identity{}, errForbidden("origin_not_allowed")
	}
	id, err := verifyIdentity(ch, externalID, userHash)
	return ch, id, err
}

// sameOrigin compares two URLs as new URL(x).origin does: scheme, host and
// port, default ports dropped.
func sameOrigin(a, b string) bool {
	oa, ok1 := urlOrigin(a)
	ob, ok2 := urlOrigin(b)
	return ok1 && ok2 && oa == ob
}

func urlOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, true
}

// verifyIdentity is check 8: userHash is the lowercase hex HMAC-SHA256 of
// the external id keyed with the channel's identity secret (§2.1).
func verifyIdentity(ch *channel, externalID, userHash string) (identity, error) {
	if (externalID != "") != (userHash != "") {
		return identity{}, errForbidden("identity_partial")
	}
	if externalID != "" {
		if ch.identitySecret == "" {
			return identity{}, errForbidden("identity_verification_failed")
		}
		mac := hmac.New(sha256.New, []byte(ch.identitySecret))
		mac.Write([]byte(externalID))
		want := hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(strings.ToLower(userHash))) {
			return identity{}, errForbidden("identity_verification_failed")
		}
		return identity{verified: true, externalID: externalID}, nil
	}
	if ch.requireVerified {
		return identity{}, errForbidden("identity_required")
	}
	return identity{}, nil
}

// ingestResult is the answer to a push.
type ingestResult struct {
	ConversationID string `json:"conversationId"`
	DisplayID      int64  `json:"displayId"`
	ContactID      string `json:"contactId"`
	Inserted       int    `json:"inserted"`
	Skipped        int    `json:"skipped"`
}

// handleIngest is POST /v1/widget/messages → 201.
func (s *Server) handleIngest(c *call) (int, any, error) {
	key, err := s.widgetAuth(c)
	if err != nil {
		return 0, nil, err
	}
	in, v := parseIngest(c.input())
	if !v.ok() {
		return 0, nil, v.widgetError("invalid_widget_input")
	}
	if in.channelID != key.channelID {
		return 0, nil, errForbidden("widget_channel_mismatch")
	}
	res, err := s.ingest(s.newOp(key.actor()), in, c.r.Header.Get("Origin"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, res, nil
}

// ingest stores a push as one transaction (§2.2): every check comes before
// the first write, so a refused push stores and emits nothing.
func (s *Server) ingest(o *op, in *ingestInput, origin string) (*ingestResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, id, err := s.widgetChannelLocked(in.channelID, origin, in.externalID, in.userHash)
	if err != nil {
		return nil, err
	}
	if id.verified {
		if _, _, err := s.claimAnonymousLocked(in.sessionID, id.externalID); err != nil {
			return nil, err
		}
	}
	eu := s.findOrCreateEndUserLocked(in, id)
	ct := s.findOrCreateContactLocked(o, in, id, eu.id)
	conv := s.findOrCreateConversationLocked(o, ch.id, ct.id, eu.id, in)

	res := &ingestResult{ConversationID: conv.id, DisplayID: conv.displayID, ContactID: ct.id}
	var inserted []*message
	for _, msg := range in.messages {
		if msg.providerMessageID != "" && s.st.providerIDs[msg.providerMessageID] {
			res.Skipped++
			continue
		}
		meta := map[string]any{"sessionId": in.sessionID}
		if msg.providerMessageID != "" {
			meta["providerMessageId"] = msg.providerMessageID
			s.st.providerIDs[msg.providerMessageID] = true
		}
		if msg.inReplyTo != "" {
			meta["inReplyTo"] = msg.inReplyTo
		}
		if in.url != "" {
			meta["url"] = in.url
		}
		if in.providerThreadID != "" {
			meta["providerThreadId"] = in.providerThreadID
		}
		created := o.now
		if msg.at != nil {
			created = *msg.at
		}
		inserted = append(inserted, s.insertMessageLocked(o, conv, &message{
			authorType: "end_user", authorID: ct.id, body: msg.body, bodyHTML: msg.bodyHTML,
			metadata: meta, createdAt: created,
		}))
	}
	res.Inserted = len(inserted)
	if len(inserted) > 0 {
		conv.lastMessageAt, conv.updatedAt = &o.now, o.now
		if conv.status == "closed" || conv.status == "snoozed" {
			conv.status, conv.snoozeUntil = "open", nil
			s.emitLocked(o, "conversation.status_changed", map[string]any{"conversationId": conv.id, "status": "open"})
		}
	}
	for _, m := range inserted {
		s.emitLocked(o, "conversation.message.received", map[string]any{
			"conversationId": conv.id, "messageId": m.id, "authorType": "end_user", "internal": false,
		})
	}
	return res, nil
}

// claimAnonymousLocked ties the session's contact to the verified user
// (§2.4 identify; also the first step of a verified push). A session whose
// contact already belongs to another verified user is refused before
// anything changes.
func (s *Server) claimAnonymousLocked(sessionID, externalID string) (endUserID, contactID string, err error) {
	var sc *contact
	for _, ct := range s.st.contacts {
		if ct.metadata["sessionId"] == sessionID {
			sc = ct
			break
		}
	}
	anonymous := true
	if sc != nil {
		ext, _ := sc.metadata["externalId"].(string)
		anonymous = ext == "" || strings.HasPrefix(ext, "anon:")
		if !anonymous && ext != externalID {
			return "", "", errForbidden("session_already_claimed")
		}
	}
	verified := s.endUserByExternalLocked(externalID)
	if verified == nil {
		verified = &endUser{id: newID("eu"), externalID: externalID, metadata: map[string]any{}}
		s.st.endUsers = append(s.st.endUsers, verified)
	}
	if sc == nil {
		return verified.id, "", nil
	}
	if !anonymous {
		return verified.id, sc.id, nil
	}
	old := sc.endUserID
	sc.endUserID = verified.id
	sc.metadata["externalId"] = externalID
	for _, c := range s.st.convOrder {
		if c.contactID == sc.id {
			c.endUserID = verified.id
		}
	}
	if old != "" && old != verified.id {
		s.st.endUsers = deleteAnonEndUser(s.st.endUsers, old)
	}
	return verified.id, sc.id, nil
}

func deleteAnonEndUser(list []*endUser, id string) []*endUser {
	out := list[:0]
	for _, eu := range list {
		if eu.id != id || !strings.HasPrefix(eu.externalID, "anon:") {
			out = append(out, eu)
		}
	}
	return out
}

func (s *Server) endUserByExternalLocked(externalID string) *endUser {
	return firstMatch(s.st.endUsers, func(eu *endUser) bool { return eu.externalID == externalID })
}

// findOrCreateEndUserLocked: "anon:<visitorId ?? sessionId>" or the
// verified external id (§2.2).
func (s *Server) findOrCreateEndUserLocked(in *ingestInput, id identity) *endUser {
	ext := "anon:" + in.sessionID
	if in.visitorID != "" {
		ext = "anon:" + in.visitorID
	}
	if id.verified {
		ext = id.externalID
	}
	if eu := s.endUserByExternalLocked(ext); eu != nil {
		if in.locale != "" {
			eu.metadata["locale"] = in.locale
		}
		return eu
	}
	meta := map[string]any{}
	if !id.verified {
		meta["anonymous"] = true
		meta["sessionId"] = in.sessionID
		if in.visitorID != "" {
			meta["visitorId"] = in.visitorID
		}
	}
	if in.locale != "" {
		meta["locale"] = in.locale
	}
	email := strings.ToLower(strings.TrimSpace(in.visitorEmail))
	if email != "" {
		meta["emailSource"] = "visitor"
	}
	eu := &endUser{id: newID("eu"), externalID: ext, email: email, name: in.visitorName, metadata: meta}
	s.st.endUsers = append(s.st.endUsers, eu)
	return eu
}

// findOrCreateContactLocked matches the contact (§2.2): verified by
// metadata.externalId; anonymous by email, then by metadata.sessionId. A
// match gets an empty name filled, never an email.
func (s *Server) findOrCreateContactLocked(o *op, in *ingestInput, id identity, endUserID string) *contact {
	fill := func(ct *contact) *contact {
		if in.visitorName != "" && ct.name == "" {
			ct.name, ct.updatedAt = in.visitorName, o.now
		}
		if ct.endUserID == "" {
			ct.endUserID, ct.updatedAt = endUserID, o.now
		}
		return ct
	}
	email := strings.ToLower(strings.TrimSpace(in.visitorEmail))
	meta := map[string]any{"sessionId": in.sessionID}
	if id.verified {
		for _, ct := range s.st.contacts {
			if ct.metadata["externalId"] == id.externalID {
				return fill(ct)
			}
		}
		meta["externalId"] = id.externalID
	} else {
		if email != "" {
			for _, ct := range s.st.contacts {
				if ct.email == email {
					return fill(ct)
				}
			}
		}
		for _, ct := range s.st.contacts {
			if ct.metadata["sessionId"] == in.sessionID {
				if ct.endUserID == "" {
					ct.endUserID, ct.updatedAt = endUserID, o.now
				}
				return ct
			}
		}
	}
	// Visitor metadata is spread last, so its sessionId or externalId
	// would override the system values, as in Munin.
	maps.Copy(meta, in.visitorMetadata)
	ct := &contact{id: newID("ctc"), endUserID: endUserID, email: email, name: in.visitorName,
		metadata: meta, createdAt: o.now, updatedAt: o.now}
	s.st.contacts = append(s.st.contacts, ct)
	return ct
}

// findOrCreateConversationLocked upserts the conversation of (channel,
// sessionId) (§2.2). A new one is open, agentMode auto, and emits
// conversation.created; an existing one keeps its contact.
func (s *Server) findOrCreateConversationLocked(o *op, channelID, contactID, endUserID string, in *ingestInput) *conversation {
	if c := s.convBySessionLocked(channelID, in.sessionID); c != nil {
		if c.endUserID == "" {
			c.endUserID, c.updatedAt = endUserID, o.now
		}
		return c
	}
	s.st.displaySeq++
	c := &conversation{
		id: newID("ccv"), displayID: s.st.displaySeq, status: "open", channelID: channelID,
		endUserID: endUserID, contactID: contactID, agentMode: "auto",
		sessionID: in.sessionID, providerThreadID: in.providerThreadID,
		lastMessageAt: &o.now, createdAt: o.now, updatedAt: o.now,
	}
	s.st.convs[c.id] = c
	s.st.convOrder = append(s.st.convOrder, c)
	s.emitLocked(o, "conversation.created", map[string]any{
		"conversationId": c.id, "displayId": c.displayID, "channelId": channelID,
	})
	return c
}

func (s *Server) convBySessionLocked(channelID, sessionID string) *conversation {
	return firstMatch(s.st.convOrder, func(c *conversation) bool { return c.channelID == channelID && c.sessionID == sessionID })
}

func (s *Server) contactByIDLocked(id string) *contact {
	return firstMatch(s.st.contacts, func(ct *contact) bool { return ct.id == id })
}

// feedQuery is a validated GET /v1/widget/messages query with the session
// headers (§2.3: session fields in the query are ignored).
type feedQuery struct {
	channelID, sessionID, externalID, userHash string
	since                                      *time.Time
}

func parseFeedQuery(r *http.Request) (*feedQuery, *validator) {
	q := r.URL.Query()
	m := map[string]any{}
	if q.Has("channelId") {
		m["channelId"] = q.Get("channelId")
	}
	if q.Has("since") {
		m["since"] = q.Get("since")
	}
	sessionHeaders(r, m)
	v := &validator{}
	o := v.root(m, true)
	fq := &feedQuery{}
	fq.channelID = o.str("channelId", minLen(1))
	fq.sessionID = o.str("sessionId", minLen(1), maxLen(200))
	if since, ok := o.optStr("since", isDatetime()); ok {
		if t, ok := parseDatetime(since); ok {
			fq.since = &t
		}
	}
	fq.externalID, _ = o.optStr("verifiedExternalId", minLen(1), maxLen(200))
	fq.userHash, _ = o.optStr("userHash", isUserHash())
	return fq, v
}

// sessionHeaders copies Munin's widget session headers into the query.
func sessionHeaders(r *http.Request, m map[string]any) {
	for header, field := range map[string]string{
		"X-Munin-Session-Id":           "sessionId",
		"X-Munin-Session-Ids":          "sessionIds",
		"X-Munin-Verified-External-Id": "verifiedExternalId",
		"X-Munin-User-Hash":            "userHash",
	} {
		if vs := r.Header.Values(header); len(vs) > 0 {
			m[field] = vs[0]
		}
	}
}

// handleFeed is GET /v1/widget/messages.
func (s *Server) handleFeed(c *call) (int, any, error) {
	key, err := s.widgetAuth(c)
	if err != nil {
		return 0, nil, err
	}
	q, v := parseFeedQuery(c.r)
	if !v.ok() {
		return 0, nil, v.widgetError("invalid_widget_query")
	}
	if q.channelID != key.channelID {
		return 0, nil, errForbidden("widget_channel_mismatch")
	}
	feed, err := s.feed(q, c.r.Header.Get("Origin"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, feed, nil
}

// feed is the session's widget feed (§2.3, §7): pages of 100 rows in
// ingestion order after the exclusive since, internal rows dropped after the
// cut, every agent row labelled "ai"/"Munin".
func (s *Server) feed(q *feedQuery, origin string) (*feedJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, id, err := s.widgetChannelLocked(q.channelID, origin, q.externalID, q.userHash)
	if err != nil {
		return nil, err
	}
	empty := &feedJSON{Messages: []feedMessageJSON{}}
	conv := s.convBySessionLocked(ch.id, q.sessionID)
	if conv == nil {
		return empty, nil
	}
	ct := s.contactByIDLocked(conv.contactID)
	if id.verified && (ct == nil || ct.metadata["externalId"] != id.externalID) {
		return empty, nil
	}
	var rows []*message
	for _, m := range conv.messages {
		if q.since == nil || !m.ingestedAt.Before(q.since.Add(time.Millisecond)) {
			rows = append(rows, m)
		}
	}
	out := &feedJSON{Messages: []feedMessageJSON{}}
	if len(rows) > feedPageSize {
		out.HasMore = true
		rows = rows[:feedPageSize]
	}
	if len(rows) > 0 {
		cur := iso(rows[len(rows)-1].ingestedAt)
		out.Cursor = &cur
	}
	var visible []*message
	for _, m := range rows {
		if !m.internal {
			visible = append(visible, m)
		}
	}
	sort.SliceStable(visible, func(i, j int) bool { return visible[i].createdAt.Before(visible[j].createdAt) })
	for _, m := range visible {
		fm := feedMessageJSON{ID: m.id, Body: m.body, BodyHTML: null(m.bodyHTML), At: iso(m.createdAt)}
		switch m.authorType {
		case "end_user":
			fm.Role = "end_user"
		case "agent":
			fm.Role, fm.AuthorKind, fm.AuthorName = "agent", null("ai"), null("Munin")
		case "user":
			fm.Role, fm.AuthorKind = "agent", null("human")
			if u := s.st.userByID(m.authorID); u != nil {
				fm.AuthorName = null(firstWord(u.name))
			}
		default:
			fm.Role = "system"
		}
		if m.authorType == "agent" || m.authorType == "user" {
			fm.Components = m.metadata["components"]
		}
		out.Messages = append(out.Messages, fm)
	}
	out.Conversation = &feedConversationJSON{
		ID: conv.id, Subject: null(conv.subject), Status: conv.status, HandedOver: conv.assigneeID != "",
	}
	if u := s.st.userByID(conv.assigneeID); u != nil {
		out.Conversation.AssigneeName = null(firstWord(u.name))
	}
	if ct != nil {
		out.Conversation.ContactEmail = null(ct.email)
	}
	return out, nil
}

func firstWord(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// handleWidgetConversations is GET /v1/widget/conversations (§2.4).
func (s *Server) handleWidgetConversations(c *call) (int, any, error) {
	key, err := s.widgetAuth(c)
	if err != nil {
		return 0, nil, err
	}
	m := map[string]any{}
	if q := c.r.URL.Query(); q.Has("channelId") {
		m["channelId"] = q.Get("channelId")
	}
	sessionHeaders(c.r, m)
	v := &validator{}
	o := v.root(m, true)
	channelID := o.str("channelId", minLen(1))
	raw, _ := o.optStr("sessionIds")
	externalID, _ := o.optStr("verifiedExternalId", minLen(1), maxLen(200))
	userHash, _ := o.optStr("userHash", isUserHash())
	if !v.ok() {
		return 0, nil, v.widgetError("invalid_widget_query")
	}
	if channelID != key.channelID {
		return 0, nil, errForbidden("widget_channel_mismatch")
	}
	var sessions []string
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" && len(sessions) < 20 {
			sessions = append(sessions, p)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ch, id, err := s.widgetChannelLocked(channelID, c.r.Header.Get("Origin"), externalID, userHash)
	if err != nil {
		return 0, nil, err
	}
	type summary struct {
		ID            string  `json:"id"`
		SessionID     string  `json:"sessionId"`
		Title         string  `json:"title"`
		Preview       string  `json:"preview"`
		Status        string  `json:"status"`
		HandedOver    bool    `json:"handedOver"`
		LastMessageAt *string `json:"lastMessageAt"`
	}
	var rows []*conversation
	for _, conv := range s.st.convOrder {
		if conv.channelID != ch.id {
			continue
		}
		if id.verified {
			if ct := s.contactByIDLocked(conv.contactID); ct != nil && ct.metadata["externalId"] == id.externalID {
				rows = append(rows, conv)
			}
		} else if slices.Contains(sessions, conv.sessionID) {
			rows = append(rows, conv)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		return timeOrZero(rows[i].lastMessageAt).After(timeOrZero(rows[j].lastMessageAt))
	})
	out := []summary{}
	for _, conv := range rows[:min(len(rows), 20)] {
		last, first := "", ""
		for _, m := range sortedByCreation(conv.messages) {
			if m.internal {
				continue
			}
			last = singleLinePreview(m.body)
			if first == "" && m.authorType == "end_user" {
				first = singleLinePreview(m.body)
			}
		}
		title := conv.subject
		if title == "" {
			title = first
		}
		if title == "" {
			title = "Conversation"
		}
		out = append(out, summary{ID: conv.id, SessionID: conv.sessionID, Title: title, Preview: last,
			Status: conv.status, HandedOver: conv.assigneeID != "", LastMessageAt: isoPtr(conv.lastMessageAt)})
	}
	return http.StatusOK, map[string]any{"conversations": out}, nil
}

func singleLinePreview(body string) string {
	flat := strings.TrimSpace(spaces.ReplaceAllString(body, " "))
	if r := []rune(flat); len(r) > 140 {
		return strings.TrimRight(string(r[:139]), " ") + "…"
	}
	return flat
}

// handleSetVisitor is PATCH /v1/widget/visitor (§2.4) → 200.
func (s *Server) handleSetVisitor(c *call) (int, any, error) {
	key, err := s.widgetAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v := &validator{}
	o := v.root(c.input())
	channelID := o.str("channelId", minLen(1))
	sessionID := o.str("sessionId", minLen(1), maxLen(200))
	o.optStr("visitorId", minLen(1), maxLen(200))
	email, _ := o.optStr("email", isEmail(), maxLen(200))
	name, _ := o.optStr("name", minLen(1), maxLen(120))
	externalID, _ := o.optStr("verifiedExternalId", minLen(1), maxLen(200))
	userHash, _ := o.optStr("userHash", isUserHash())
	if !v.ok() {
		return 0, nil, v.widgetError("invalid_widget_input")
	}
	if channelID != key.channelID {
		return 0, nil, errForbidden("widget_channel_mismatch")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ch, id, err := s.widgetChannelLocked(channelID, c.r.Header.Get("Origin"), externalID, userHash)
	if err != nil {
		return 0, nil, err
	}
	conv := s.convBySessionLocked(ch.id, sessionID)
	var ct *contact
	if conv != nil {
		ct = s.contactByIDLocked(conv.contactID)
	}
	if ct == nil {
		return 0, nil, errNotFound("session_not_found")
	}
	if id.verified && ct.metadata["externalId"] != id.externalID {
		return 0, nil, errForbidden("session_not_owned")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	name = strings.TrimSpace(name)
	if email != "" || name != "" {
		eu := s.endUserByIDLocked(ct.endUserID)
		if email != "" {
			ct.email = email
			if eu != nil {
				eu.email = email
				eu.metadata["emailSource"] = "visitor"
			}
		}
		if name != "" {
			ct.name = name
			if eu != nil {
				eu.name = name
			}
		}
		ct.updatedAt = now
	}
	return http.StatusOK, map[string]any{"contactId": ct.id, "email": null(ct.email), "name": null(ct.name)}, nil
}

// handleIdentify is POST /v1/widget/identify (§2.4) → 201.
func (s *Server) handleIdentify(c *call) (int, any, error) {
	key, err := s.widgetAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v := &validator{}
	o := v.root(c.input())
	channelID := o.str("channelId", minLen(1))
	sessionID := o.str("sessionId", minLen(1), maxLen(200))
	o.optStr("visitorId", minLen(1), maxLen(200))
	externalID := o.str("verifiedExternalId", minLen(1), maxLen(200))
	userHash := o.str("userHash", isUserHash())
	if !v.ok() {
		return 0, nil, v.widgetError("invalid_widget_input")
	}
	if channelID != key.channelID {
		return 0, nil, errForbidden("widget_channel_mismatch")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	_, id, err := s.widgetChannelLocked(channelID, c.r.Header.Get("Origin"), externalID, userHash)
	if err != nil {
		return 0, nil, err
	}
	if !id.verified {
		return 0, nil, errForbidden("identity_required")
	}
	euID, ctID, err := s.claimAnonymousLocked(sessionID, id.externalID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"endUserId": euID, "contactId": null(ctID)}, nil
}
