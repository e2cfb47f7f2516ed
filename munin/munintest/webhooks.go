package munintest

import (
	"net/url"
	"slices"
)

// The webhook subscription service (munin-api-reference.md §3.1), shared by
// the REST routes and the MCP tools.
//
// Unlike Munin, the fake accepts http:// URLs (and loopback addresses), so
// that an httptest.Server can receive deliveries.

// webhookInput is a create or a patch; has* say what a patch sets.
type webhookInput struct {
	url               string
	hasURL            bool
	events            []string
	hasEvents         bool
	active, hasActive bool
}

// webhookURL is Munin's WebhookUrl schema with http allowed.
func webhookURL() strRule {
	return func(v *validator, path []any, s string) {
		if !validURL(s) {
			v.add(path, "Invalid URL", attr{"code", "invalid_format"}, attr{"format", "url"})
			return
		}
		if u, _ := url.Parse(s); u.Scheme != "https" && u.Scheme != "http" {
			v.add(path, "webhook URL must use https://", attr{"code", "custom"})
		}
	}
}

// parseWebhookInput reads a create (url required) or a patch. maxEvents is
// 64 for the MCP tools and unlimited (-1) over REST.
func parseWebhookInput(o object, create bool, maxEvents int) webhookInput {
	var in webhookInput
	if create {
		in.url, in.hasURL = o.str("url", webhookURL()), true
	} else {
		in.url, in.hasURL = o.optStr("url", webhookURL())
	}
	if items, ok := o.optArray("events", 0, maxEvents); ok {
		in.events, in.hasEvents = o.strings("events", items, minLen(1), maxLen(64)), true
	}
	in.active, in.hasActive = o.optBool("active")
	return in
}

func (w *webhook) json(withSecret bool) webhookJSON {
	out := webhookJSON{ID: w.id, URL: w.url, Events: slices.Clone(w.events), Active: w.active,
		CreatedAt: iso(w.createdAt), UpdatedAt: iso(w.updatedAt)}
	if withSecret {
		out.Secret = w.secret
	}
	return out
}

// createWebhook subscribes a URL; the server generates the secret (§3.1).
func (s *Server) createWebhook(o *op, in webhookInput) (*webhookJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &webhook{id: newID("whk"), url: in.url, secret: newWebhookSecret(), events: slices.Clone(in.events),
		active: !in.hasActive || in.active, createdAt: o.now, updatedAt: o.now}
	if w.events == nil {
		w.events = []string{}
	}
	s.st.webhooks[w.id] = w
	s.st.hookOrder = append(s.st.hookOrder, w)
	out := w.json(true)
	return &out, nil
}

// listWebhooks returns every subscription, oldest first, without secrets.
func (s *Server) listWebhooks() []webhookJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []webhookJSON{}
	for _, w := range s.st.hookOrder {
		out = append(out, w.json(false))
	}
	return out
}

func (s *Server) webhookLocked(id string) (*webhook, error) {
	w := s.st.webhooks[id]
	if w == nil {
		return nil, errNotFound("webhook " + id + " not found")
	}
	return w, nil
}

// updateWebhook patches a subscription; events replaces the whole list.
func (s *Server) updateWebhook(o *op, id string, in webhookInput) (*webhookJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.webhookLocked(id)
	if err != nil {
		return nil, err
	}
	if in.hasURL {
		w.url = in.url
	}
	if in.hasEvents {
		w.events = slices.Clone(in.events)
	}
	if in.hasActive {
		w.active = in.active
	}
	w.updatedAt = o.now
	out := w.json(false)
	return &out, nil
}

// deleteWebhook removes a subscription with its deliveries.
func (s *Server) deleteWebhook(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.webhookLocked(id); err != nil {
		return err
	}
	delete(s.st.webhooks, id)
	s.st.hookOrder = slices.DeleteFunc(s.st.hookOrder, func(w *webhook) bool { return w.id == id })
	for _, d := range s.st.deliveries {
		if d.webhookID == id {
			d.removed = true
		}
	}
	s.st.deliveries = slices.DeleteFunc(s.st.deliveries, func(d *delivery) bool { return d.removed })
	s.st.notifyLocked()
	return nil
}

// rotateWebhookSecret replaces the secret; the old one dies at once, and
// later attempts of pending deliveries are signed with the new one.
func (s *Server) rotateWebhookSecret(o *op, id string) (*webhookJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.webhookLocked(id)
	if err != nil {
		return nil, err
	}
	w.secret, w.updatedAt = newWebhookSecret(), o.now
	out := w.json(true)
	return &out, nil
}

// listDeliveries is a subscription's deliveries, newest first.
func (s *Server) listDeliveries(id string, limit int, status string) ([]deliveryJSON, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.webhookLocked(id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	out := []deliveryJSON{}
	for i := len(s.st.deliveries) - 1; i >= 0 && len(out) < limit; i-- {
		d := s.st.deliveries[i]
		if d.webhookID != id || (status != "" && d.status() != status) {
			continue
		}
		out = append(out, d.json())
	}
	return out, nil
}
