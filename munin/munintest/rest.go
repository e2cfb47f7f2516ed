package munintest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The REST control plane (munin-api-reference.md §2.5, §3.1, §4): each
// handler authenticates, reads its DTO the way Munin's zod pipe does, and
// calls the service.

// adminAuth is Munin's AuthGuard + ControlPlaneGuard (§1).
func (s *Server) adminAuth(c *call) (*actor, error) {
	key := s.authenticate(c.r.Header.Get("Authorization"))
	if key == nil {
		return nil, errUnauthorized()
	}
	a := key.actor()
	if a.typ != "admin_agent" {
		return nil, errForbidden(`actor type "` + a.typ + `" cannot access control-plane routes`)
	}
	if !a.hasScope("*") {
		return nil, errForbidden(`control-plane routes require an unrestricted admin key (scope "*")`)
	}
	return a, nil
}

// body reads a DTO body. A POST without a body fails like Munin's: the
// object schema gets undefined (§4: "POST routes that take a body need at
// least {}").
func body(c *call) (*validator, object) {
	v := &validator{}
	return v, v.root(c.input())
}

func (s *Server) handleWhoami(c *call) (int, any, error) {
	key := s.authenticate(c.r.Header.Get("Authorization"))
	if key == nil {
		return 0, nil, errUnauthorized()
	}
	a := key.actor()
	return http.StatusOK, map[string]any{
		"actor": map[string]any{
			"type": a.typ, "id": a.id, "orgId": s.st.orgID, "scopes": a.scopes, "audiences": a.audiences,
		},
		"correlationId": newUUID(),
	}, nil
}

// handleListConversations is GET /v1/conversations → {items, nextCursor}.
func (s *Server) handleListConversations(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	f := listFilter{assigneeID: q.Get("assigneeUserId"), topicID: q.Get("topicId"), cursor: q.Get("cursor")}
	if st := q.Get("status"); st != "" {
		if !isStatus(st) {
			return 0, nil, errBadRequest("conv_invalid: invalid status: " + st)
		}
		f.status = st
	}
	switch q.Get("needsHumanAttention") {
	case "true", "1":
		t := true
		f.needsHumanAttention = &t
	case "false", "0":
		f2 := false
		f.needsHumanAttention = &f2
	}
	if since := q.Get("since"); since != "" {
		t, ok := parseLooseTime(since)
		if !ok {
			return 0, nil, errBadRequest("conv_invalid: since must be an ISO 8601 timestamp")
		}
		f.since = &t
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.limit = n
	}
	items, next, err := s.listConversations(s.newOp(a), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"items": items, "nextCursor": next}, nil
}

var statuses = []string{"open", "snoozed", "closed", "spam"}

func isStatus(s string) bool { return slices.Contains(statuses, s) }

// parseLooseTime reads what new Date(x) reads for an ISO timestamp.
func parseLooseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *Server) handleGetConversation(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	d, err := s.getConversation(s.newOp(a), c.r.PathValue("id"), true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, d, nil
}

// handleSendMessage is POST /v1/conversations/:id/messages → 201.
func (s *Server) handleSendMessage(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	in := sendInput{body: o.str("body", minLen(1), maxLen(50000))}
	in.internal, _ = o.optBool("internal")
	in.inReplyToID, _ = o.optStr("inReplyToId")
	in.preserveAttention, _ = o.optBool("preserveAttention")
	in.sinceMessageID, _ = o.optStr("sinceMessageId")
	if b, ok := o.optBool("claim"); ok {
		in.claim = &b
	}
	if items, ok := o.optArray("components", 0, -1); ok {
		in.components = items
	}
	if !v.ok() {
		return 0, nil, v.restError()
	}
	m, err := s.sendMessage(s.newOp(a), c.r.PathValue("id"), in, "agent")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

// handleTakeOver is POST …/take-over {ttlMinutes?: 1–240} → 200.
func (s *Server) handleTakeOver(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	ttl, _ := o.optInt("ttlMinutes", 0, 240)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	d := defaultClaimTTL
	if ttl > 0 {
		d = time.Duration(ttl) * time.Minute
	}
	cl, err := s.takeOver(s.newOp(a), c.r.PathValue("id"), d)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cl, nil
}

// handleRelease is POST …/release (no body needed) → {released:true}.
func (s *Server) handleRelease(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.release(s.newOp(a), c.r.PathValue("id"), false); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]bool{"released": true}, nil
}

// handleRequestHandover is POST …/request-handover → 200 summary.
func (s *Server) handleRequestHandover(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	var in handoverInput
	in.reason, _ = o.optStr("reason", maxLen(500))
	in.fallback, _ = o.optStr("publicFallbackMessage", maxLen(2000))
	if note, ok := o.optBool("postSystemNote"); ok && !note {
		in.skipNote = true
	}
	if !v.ok() {
		return 0, nil, v.restError()
	}
	sum, err := s.requestHandover(s.newOp(a), c.r.PathValue("id"), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sum, nil
}

func (s *Server) handleAgentMode(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	mode, _ := o.enum("mode", true, "auto", "draft_only", "off")
	if !v.ok() {
		return 0, nil, v.restError()
	}
	sum, err := s.setAgentMode(s.newOp(a), c.r.PathValue("id"), mode)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sum, nil
}

func (s *Server) handleAssign(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	assignee, _, _ := o.nullableStr("assigneeUserId", true)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	sum, err := s.assign(s.newOp(a), c.r.PathValue("id"), assignee)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sum, nil
}

// parseStatus reads {status, snoozeUntil?}, shared with conv_change_status.
func parseStatus(o object) (string, *time.Time) {
	status, _ := o.enum("status", true, statuses...)
	var until *time.Time
	if raw, ok := o.optStr("snoozeUntil", isDatetime()); ok {
		if t, ok := parseDatetime(raw); ok {
			until = &t
		}
	}
	return status, until
}

func (s *Server) handleStatus(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	status, until := parseStatus(o)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	sum, err := s.changeStatus(s.newOp(a), c.r.PathValue("id"), status, until, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sum, nil
}

// handleCreateWidget is POST /v1/conversations/channels/widget → 201.
func (s *Server) handleCreateWidget(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	in := parseWidgetInput(o, true)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	ch, err := s.createWidgetChannel(s.newOp(a), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ch, nil
}

func (s *Server) handleUpdateWidget(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	in := parseWidgetInput(o, false)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	ch, err := s.updateWidgetChannel(s.newOp(a), c.r.PathValue("id"), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ch, nil
}

func (s *Server) handleRotateKey(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.rotateWidgetKey(s.newOp(a), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) handleRotateIdentitySecret(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.rotateIdentitySecret(s.newOp(a), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) handleArchiveChannel(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.archiveChannel(s.newOp(a), c.r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) handleActivateChannel(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	ch, err := s.activateChannel(s.newOp(a), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ch, nil
}

// handleCreateWebhook is POST /v1/webhooks → 201 with the secret.
func (s *Server) handleCreateWebhook(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	in := parseWebhookInput(o, true, -1)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	w, err := s.createWebhook(s.newOp(a), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, w, nil
}

func (s *Server) handleListWebhooks(c *call) (int, any, error) {
	if _, err := s.adminAuth(c); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.listWebhooks(), nil
}

func (s *Server) handleEventTypes(c *call) (int, any, error) {
	if _, err := s.adminAuth(c); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, eventTypesJSON(), nil
}

func (s *Server) handleUpdateWebhook(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	v, o := body(c)
	in := parseWebhookInput(o, false, -1)
	if !v.ok() {
		return 0, nil, v.restError()
	}
	w, err := s.updateWebhook(s.newOp(a), c.r.PathValue("id"), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, w, nil
}

func (s *Server) handleDeleteWebhook(c *call) (int, any, error) {
	if _, err := s.adminAuth(c); err != nil {
		return 0, nil, err
	}
	if err := s.deleteWebhook(c.r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// handleRotateWebhookSecret is POST /v1/webhooks/:id/rotate-secret → 201
// (§7).
func (s *Server) handleRotateWebhookSecret(c *call) (int, any, error) {
	a, err := s.adminAuth(c)
	if err != nil {
		return 0, nil, err
	}
	w, err := s.rotateWebhookSecret(s.newOp(a), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, w, nil
}

// handleListDeliveries is GET /v1/webhooks/:id/deliveries. A bad query is a
// 400 whose message is zod's raw text, with no validation_failed prefix and
// no fieldErrors (§7).
func (s *Server) handleListDeliveries(c *call) (int, any, error) {
	if _, err := s.adminAuth(c); err != nil {
		return 0, nil, err
	}
	limit, status, err := parseDeliveriesQuery(c.r)
	if err != nil {
		return 0, nil, err
	}
	out, err := s.listDeliveries(c.r.PathValue("id"), limit, status)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func parseDeliveriesQuery(r *http.Request) (int, string, error) {
	q := r.URL.Query()
	v := &validator{}
	m := map[string]any{}
	if q.Has("limit") {
		// z.coerce.number(): the text becomes a number first.
		raw := q.Get("limit")
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			m["limit"] = json.Number(raw)
		} else {
			v.add([]any{"limit"}, "Invalid input: expected number, received NaN", attr{"expected", "number"}, attr{"code", "invalid_type"})
		}
	}
	if q.Has("status") {
		m["status"] = q.Get("status")
	}
	o := v.root(m, true)
	limit, _ := o.optInt("limit", 0, 200)
	status, _ := o.enum("status", false, "pending", "delivered", "failed")
	if !v.ok() {
		return 0, "", errBadRequest(v.zodJSON())
	}
	return limit, status, nil
}
