package munintest

import (
	"slices"
	"strings"
	"time"
)

// Keys and actors (munin-api-reference.md §1). A key is opaque,
// "mn_<kind>_" + 43 base64url characters. An admin key has scopes ("*" for
// the control plane) and usually a creating user, who is the holder of the
// claims it takes. A widget key is bound to one channel.

type apiKey struct {
	id, token, kind, name string
	scopes                []string
	creatorID             string // "" = no creating user
	channelID             string // widget keys
	revoked               bool
	createdAt             time.Time
}

// actor is who a call runs as.
type actor struct {
	typ       string // "admin_agent", "widget_agent", "user", "system"
	id        string // the key id, or the user id
	claimer   string // the user a claim is taken as; "" when none
	scopes    []string
	audiences []string
	channelID string // widget keys
	keyID     string
}

func (a *actor) hasScope(scope string) bool {
	return slices.Contains(a.scopes, "*") || slices.Contains(a.scopes, scope)
}

func (k *apiKey) actor() *actor {
	a := &actor{id: k.id, keyID: k.id, scopes: k.scopes, claimer: k.creatorID, channelID: k.channelID}
	switch k.kind {
	case "widget":
		a.typ, a.audiences = "widget_agent", []string{"self_service"}
	default:
		a.typ, a.audiences = "admin_agent", []string{"admin"}
	}
	return a
}

// userActor is a Munin user signed in to the dashboard.
func userActor(u *user) *actor {
	return &actor{typ: "user", id: u.id, claimer: u.id, scopes: []string{"*"}, audiences: []string{"admin"}}
}

// mintKeyLocked stores a new key.
func (s *Server) mintKeyLocked(kind, name string, scopes []string, creatorID, channelID string) *apiKey {
	k := &apiKey{
		id: newID("akey"), token: newKey(kind), kind: kind, name: name,
		scopes: scopes, creatorID: creatorID, channelID: channelID, createdAt: s.now(),
	}
	s.st.keys[k.token] = k
	return k
}

// authenticate resolves an Authorization header value to a live key. Any
// bad, revoked or unknown key is nil: Munin answers all of them with the
// same 401 (§1).
func (s *Server) authenticate(header string) *apiKey {
	const bearer = "bearer "
	if len(header) < len(bearer) || !strings.EqualFold(header[:len(bearer)], bearer) {
		return nil
	}
	token := strings.TrimSpace(header[len(bearer):])
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.st.keys[token]
	if k == nil || k.revoked {
		return nil
	}
	return k
}

// AdminKey returns the unrestricted admin key (scope "*") the server made at
// start, as Munin's dashboard mints it: its creating user is the org owner,
// so a take-over with it is held by the owner, and its own posts are not
// blocked by the owner's claims.
func (s *Server) AdminKey() string { return s.adminKey }

// NewAdminKey mints another admin key created by the org owner. With no
// scopes it is unrestricted ("*"); with narrower ones (such as "conv:read",
// "conv:write", "webhooks:read", "webhooks:write") the REST control plane
// answers it 403 and MCP tools outside its scopes answer "Missing required
// scope: …", as Munin does.
func (s *Server) NewAdminKey(scopes ...string) string {
	return s.newAdminKey(s.owner.id, scopes)
}

// NewAdminKeyWithoutUser mints an admin key that no user created, like one
// made by a script. It works everywhere except take-over, which answers 500
// because a claim needs a user (§7).
func (s *Server) NewAdminKeyWithoutUser(scopes ...string) string {
	return s.newAdminKey("", scopes)
}

func (s *Server) newAdminKey(creatorID string, scopes []string) string {
	if len(scopes) == 0 {
		scopes = []string{"*"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mintKeyLocked("admin", "munintest admin key", slices.Clone(scopes), creatorID, "").token
}
