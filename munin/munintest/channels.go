package munintest

import (
	"slices"
)

// The widget channel service (munin-api-reference.md §2.5, §7), shared by
// the REST routes and the MCP tools.

// widgetInput is a channel create or update; has* say what an update sets.
type widgetInput struct {
	name                string
	allowlist           []string
	hasAllowlist        bool
	webhook             string
	hasWebhook          bool // an update that sets or (with "") clears it
	requireVerified     bool
	hasRequireVerified  bool
	webhookExplicitNull bool
}

// parseWidgetInput reads CreateWidgetBody (create) or UpdateWidgetBody.
func parseWidgetInput(o object, create bool) widgetInput {
	var in widgetInput
	if create {
		in.name = o.str("name", minLen(1), maxLen(120))
	}
	if items, ok := o.optArray("originAllowlist", 0, -1); ok {
		in.allowlist, in.hasAllowlist = o.strings("originAllowlist", items, isURL()), true
	}
	if create {
		in.webhook, in.hasWebhook = o.optStr("webhookOnEscalation", isURL())
	} else {
		var isNull bool
		in.webhook, in.hasWebhook, isNull = o.nullableStr("webhookOnEscalation", false, isURL())
		in.webhookExplicitNull = isNull
	}
	in.requireVerified, in.hasRequireVerified = o.optBool("requireVerifiedIdentity")
	return in
}

// errAllowlistRequired is Munin's refusal of an empty allowlist (§0 row 6).
func errAllowlistRequired() *apiError {
	return errBadRequest("origin_allowlist_required: this deployment requires at least one entry in `originAllowlist` (full origin like `https://app.example.com`). Add the production and any preview origins before saving.")
}

func (ch *channel) json() widgetChannelJSON {
	return widgetChannelJSON{
		ID: ch.id, Name: ch.name, Type: "chat", Active: ch.active,
		Config: widgetConfigJSON{
			Provider: "widget", OriginAllowlist: slices.Clone(ch.allowlist), WebhookOnEscalation: ch.webhookOnEscalation,
			RequireVerifiedIdentity: ch.requireVerified, HasIdentityVerificationSecret: ch.identitySecret != "",
		},
	}
}

// createWidgetChannel is POST /v1/conversations/channels/widget and
// conv_create_widget_channel.
func (s *Server) createWidgetChannel(o *op, in widgetInput) (*createdWidgetJSON, error) {
	if len(in.allowlist) == 0 {
		return nil, errAllowlistRequired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &channel{
		id: newID("cch"), name: in.name, active: true, allowlist: slices.Clone(in.allowlist),
		webhookOnEscalation: in.webhook, requireVerified: in.requireVerified,
		identitySecret: randomToken(32), createdAt: o.now, updatedAt: o.now,
	}
	s.st.channels[ch.id] = ch
	key := s.mintKeyLocked("widget", ch.name+" widget key", []string{"conv:widget:write"}, o.actor.claimer, ch.id)
	return &createdWidgetJSON{widgetChannelJSON: ch.json(), WidgetKey: key.token, IdentityVerificationSecret: ch.identitySecret}, nil
}

func (s *Server) channelLocked(id string) (*channel, error) {
	ch := s.st.channels[id]
	if ch == nil {
		return nil, errNotFound("channel " + id + " not found")
	}
	return ch, nil
}

// updateWidgetChannel is PATCH …/widget/:id and conv_update_widget_channel.
func (s *Server) updateWidgetChannel(o *op, id string, in widgetInput) (*widgetChannelJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.channelLocked(id)
	if err != nil {
		return nil, err
	}
	if in.hasAllowlist && len(in.allowlist) == 0 {
		return nil, errAllowlistRequired()
	}
	if in.hasAllowlist {
		ch.allowlist = slices.Clone(in.allowlist)
	}
	switch {
	case in.webhookExplicitNull:
		ch.webhookOnEscalation = ""
	case in.hasWebhook:
		ch.webhookOnEscalation = in.webhook
	}
	if in.hasRequireVerified {
		ch.requireVerified = in.requireVerified
	}
	ch.updatedAt = o.now
	out := ch.json()
	return &out, nil
}

// rotateWidgetKey revokes every widget key of the channel and mints one
// (§2.5). It works on an archived channel too; pushes with the new key then
// get 403 "channel … is inactive" (§7).
func (s *Server) rotateWidgetKey(o *op, id string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.channelLocked(id)
	if err != nil {
		return nil, err
	}
	s.revokeWidgetKeysLocked(ch.id)
	key := s.mintKeyLocked("widget", ch.name+" widget key", []string{"conv:widget:write"}, o.actor.claimer, ch.id)
	return map[string]string{"widgetKey": key.token}, nil
}

func (s *Server) revokeWidgetKeysLocked(channelID string) {
	for _, k := range s.st.keys {
		if k.channelID == channelID {
			k.revoked = true
		}
	}
}

// rotateIdentitySecret replaces the channel's identity verification secret.
func (s *Server) rotateIdentitySecret(o *op, id string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.channelLocked(id)
	if err != nil {
		return nil, err
	}
	ch.identitySecret, ch.updatedAt = randomToken(32), o.now
	return map[string]string{"channelId": ch.id, "identityVerificationSecret": ch.identitySecret}, nil
}

// archiveChannel is DELETE /v1/conversations/channels/:id: one-way (§7);
// the channel's keys are revoked, so they get 401 afterwards.
func (s *Server) archiveChannel(o *op, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.st.channels[id]
	if ch == nil || ch.archived {
		return errNotFound("channel " + id + " not found or already archived")
	}
	ch.archived, ch.active, ch.updatedAt = true, false, o.now
	s.revokeWidgetKeysLocked(ch.id)
	return nil
}

// activateChannel is POST …/:id/activate: 404 on an archived channel (§7).
func (s *Server) activateChannel(o *op, id string) (*channelJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.st.channels[id]
	if ch == nil || ch.archived {
		return nil, errNotFound("channel " + id + " not found or archived")
	}
	ch.active, ch.updatedAt = true, o.now
	w := ch.json()
	return &channelJSON{
		ID: ch.id, Type: "chat", Vendor: "munin", Name: ch.name, Active: true, Config: w.Config,
		DefaultAgentMode: "auto", CreatedAt: iso(ch.createdAt),
	}, nil
}

// Channel is a widget channel with its secrets, for a test to push with.
type Channel struct {
	ID string // "cch_…"
	// WidgetKey is the channel's current widget key (after a rotation, the
	// new one); "" when the channel has none.
	WidgetKey string
	// IdentitySecret is the identity verification secret, the key of
	// munin.UserHash.
	IdentitySecret string
	// Origins is the origin allowlist.
	Origins []string
	// Active is false while the channel is off (SetChannelActive) or
	// archived.
	Active bool
	// Archived is true once the channel was deleted through the API; it
	// cannot come back (§7).
	Archived bool
}

// Channel returns the widget channel the server created at start, with the
// origin allowlist of WithOrigins (default DefaultOrigin).
func (s *Server) Channel() Channel {
	c, _ := s.WidgetChannel(s.channelID)
	return c
}

// WidgetChannel returns any widget channel by id, such as one a test
// created through the API.
func (s *Server) WidgetChannel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.st.channels[id]
	if ch == nil {
		return Channel{}, false
	}
	out := Channel{ID: ch.id, IdentitySecret: ch.identitySecret, Origins: slices.Clone(ch.allowlist), Active: ch.active, Archived: ch.archived}
	var newest *apiKey
	for _, k := range s.st.keys {
		if k.channelID == ch.id && !k.revoked && (newest == nil || k.createdAt.After(newest.createdAt)) {
			newest = k
		}
	}
	if newest != nil {
		out.WidgetKey = newest.token
	}
	return out, true
}

// SetChannelActive turns a channel off or on without archiving it, as an
// operator can in Munin's database: its keys keep authenticating, and the
// widget routes answer 403 "channel <id> is inactive" (§2.1) while it is
// off. It reports whether the channel exists and is not archived.
func (s *Server) SetChannelActive(id string, active bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.st.channels[id]
	if ch == nil || ch.archived {
		return false
	}
	ch.active, ch.updatedAt = active, s.now()
	return true
}
