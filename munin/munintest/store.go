package munintest

import (
	"slices"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The fake's data, one Munin org in memory. Every field is guarded by
// Server.mu; a service call holds it from its first check to its last write,
// which is what makes a call all-or-nothing like Munin's one transaction per
// request (munin-api-reference.md §2.2).

type state struct {
	orgID, orgName string

	users     []*user
	keys      map[string]*apiKey // by the key itself
	channels  map[string]*channel
	convs     map[string]*conversation
	convOrder []*conversation
	contacts  []*contact
	endUsers  []*endUser

	providerIDs map[string]bool // every stored metadata.providerMessageId (§2.2)
	displaySeq  int64
	lastIngest  time.Time // ingestion times are strictly increasing

	events     []*event
	webhooks   map[string]*webhook
	hookOrder  []*webhook
	deliveries []*delivery
	changed    fakeserver.Signal // a delivery changed
}

func newState() *state {
	return &state{
		orgID:       newID("org"),
		orgName:     "munintest",
		keys:        map[string]*apiKey{},
		channels:    map[string]*channel{},
		convs:       map[string]*conversation{},
		providerIDs: map[string]bool{},
		webhooks:    map[string]*webhook{},
	}
}

// user is an org member: someone who signs in to Munin's dashboard.
type user struct {
	id, name, email string
}

// channel is a widget channel (type "chat", provider "widget").
type channel struct {
	id, name            string
	active, archived    bool
	allowlist           []string
	webhookOnEscalation string
	requireVerified     bool
	identitySecret      string
	createdAt           time.Time
	updatedAt           time.Time
}

// contact is a CRM contact; the empty string stands for SQL NULL.
type contact struct {
	id, endUserID, email, name string
	metadata                   map[string]any
	createdAt, updatedAt       time.Time
}

// endUser is a visitor identity: "anon:<visitorId ?? sessionId>" or a
// verified external id.
type endUser struct {
	id, externalID, email, name string
	metadata                    map[string]any
}

// conversation is a widget conversation; the empty string stands for NULL.
type conversation struct {
	id                    string
	displayID             int64
	status                string
	channelID             string
	endUserID, contactID  string
	topicID, assigneeID   string
	subject               string
	lastMessageAt         *time.Time
	needsHumanAttention   bool
	needsHumanAttentionAt *time.Time
	handoverResolvedAt    *time.Time
	agentMode             string
	snoozeUntil           *time.Time
	sessionID             string
	providerThreadID      string
	createdAt, updatedAt  time.Time
	messages              []*message // in ingestion order
	claim                 *claim
}

// activeClaim returns the claim unless it has expired: expiry is silent
// (§6), so an expired claim simply stops counting.
func (c *conversation) activeClaim(now time.Time) *claim {
	if c.claim == nil || !c.claim.expiresAt.After(now) {
		return nil
	}
	return c.claim
}

// message is a post in a conversation.
type message struct {
	id, conversationID   string
	authorType, authorID string
	body, bodyHTML       string
	internal             bool
	inReplyToID          string
	metadata             map[string]any
	createdAt            time.Time
	ingestedAt           time.Time
}

// claim is a Munin user's take-over lock (§6).
type claim struct {
	holderID             string
	expiresAt, createdAt time.Time
}

// webhook is a webhook subscription.
type webhook struct {
	id, url, secret      string
	events               []string
	active               bool
	createdAt, updatedAt time.Time
}

// wants reports whether the subscription takes events of type typ: an empty
// list means all, internal types included (§7).
func (w *webhook) wants(typ string) bool {
	return len(w.events) == 0 || slices.Contains(w.events, typ)
}

// userByID returns the org member with id, or nil.
func (st *state) userByID(id string) *user {
	return firstMatch(st.users, func(u *user) bool { return u.id == id })
}

// firstMatch returns the first element of list that match accepts, or the
// zero value (nil for the fake's records) when none does.
func firstMatch[T any](list []T, match func(T) bool) T {
	if i := slices.IndexFunc(list, match); i >= 0 {
		return list[i]
	}
	var none T
	return none
}

// nextIngestTime returns a row's ingestion time: now, or a millisecond
// after the previous row when the clock has not moved. Munin stamps each row
// with clock_timestamp(); distinct times keep the widget feed's exclusive
// cursor from skipping rows (§2.3).
func (st *state) nextIngestTime(now time.Time) time.Time {
	t := now
	if !t.After(st.lastIngest) {
		t = st.lastIngest.Add(time.Millisecond)
	}
	st.lastIngest = t
	return t
}

// notifyLocked wakes everyone waiting for a delivery to change.
func (st *state) notifyLocked() {
	st.changed.Notify()
}
