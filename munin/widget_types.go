package munin

import (
	"encoding/json"
	"time"
)

// This file holds the data of Munin's widget API (munin-api-reference.md
// §2.2–2.4).

// Push is one call to Push: a visitor session's new messages and what is
// known about the visitor. Limits are Munin's; Push checks them before
// sending and names the field that breaks one.
type Push struct {
	// SessionID (1–200) is the conversation key: one session is one
	// Munin conversation forever. Required.
	SessionID string
	// VisitorID (1–200) identifies an anonymous visitor across sessions.
	VisitorID string
	// Identity, when set, is a verified end user (see UserHash).
	Identity *Identity
	// Visitor is what is known about the visitor.
	Visitor *Visitor
	// URL is the page the visitor is on; Munin stores it on each message.
	URL string
	// ProviderThreadID (≤200) is the bot's own thread id.
	ProviderThreadID string
	// Locale (2–16) is saved on the end user.
	Locale string
	// Messages are the visitor's messages, at least one. More than 50 are
	// sent as several pushes.
	Messages []WidgetMessage
}

// Identity is a verified end user: ExternalID is the bot's id for the user
// and UserHash is UserHash(identitySecret, ExternalID).
type Identity struct {
	ExternalID string // 1–200
	UserHash   string // 64 lowercase hex
}

// Visitor is what the bot knows about the visitor. Munin uses it only when
// it creates the contact; to change a known contact, use UpdateVisitor.
type Visitor struct {
	Name  string // ≤120
	Email string // lowercased by Munin
	// Metadata is merged into a new contact. Keys "sessionId" and
	// "externalId" would override Munin's own values, so Push refuses them.
	Metadata map[string]any
}

// WidgetMessage is one message a visitor wrote.
type WidgetMessage struct {
	// Body is 1–1000 characters. Required.
	Body string
	// BodyHTML is at most 4000 characters.
	BodyHTML string
	// ProviderMessageID (1–200) makes the message idempotent: Munin skips
	// an id it has stored, across every org. Push generates one,
	// namespaced by session, for each message without it.
	ProviderMessageID string
	// InReplyTo (1–200) is free text stored with the message.
	InReplyTo string
	// At is when the visitor wrote it; zero means the time Munin stores it
	// (the same for every row of one push).
	At time.Time
}

// PushResult is Munin's answer to a push, summed over every request when a
// push was split.
type PushResult struct {
	ConversationID string
	DisplayID      int64
	ContactID      string
	// Inserted counts stored messages; Skipped counts messages whose
	// ProviderMessageID Munin already had.
	Inserted, Skipped int
	// ProviderMessageIDs are the ids the messages were sent with, in order,
	// the generated ones included. After a failed Push, set them on the
	// messages and push again: the stored ones are then skipped.
	ProviderMessageIDs []string
	// Requests is how many requests the push took.
	Requests int
}

// MessagesRequest reads a session's widget feed.
type MessagesRequest struct {
	// SessionID is the session to read. Required.
	SessionID string
	// Since is a cursor from an earlier page (exclusive); empty starts at
	// the oldest message.
	Since string
	// Identity is needed when the channel requires verified identities.
	Identity *Identity
}

// FeedPage is one page of a session's widget feed.
type FeedPage struct {
	Messages []FeedMessage `json:"messages"`
	HasMore  bool          `json:"hasMore"`
	// Cursor is the last row's ingestion time: pass it as Since for the
	// next page.
	Cursor string `json:"cursor"`
	// Conversation is nil when the session has no conversation.
	Conversation *FeedConversation `json:"conversation"`
}

// FeedMessage is a message as the widget feed shows it. Internal notes are
// never in the feed.
type FeedMessage struct {
	ID string `json:"id"`
	// Role is "end_user", "agent" or "system".
	Role string `json:"role"`
	// AuthorKind is "human" for a Munin user, "ai" for an agent row, and
	// empty (null) for the visitor's and system rows. Munin labels every
	// agent row "ai" and "Munin", the bot's own posts included (§7), so
	// use message ids to recognise the bot's posts.
	AuthorKind string          `json:"authorKind,omitempty"`
	AuthorName string          `json:"authorName,omitempty"`
	Body       string          `json:"body"`
	BodyHTML   string          `json:"bodyHtml,omitempty"`
	At         time.Time       `json:"at"`
	ReadAt     *time.Time      `json:"readAt,omitempty"`
	Components json.RawMessage `json:"components,omitempty"`
}

// FeedConversation is the session's conversation as the widget sees it.
type FeedConversation struct {
	ID      string `json:"id"`
	Subject string `json:"subject,omitempty"`
	Status  string `json:"status"`
	// HandedOver is true only while the conversation has an assignee; a
	// dashboard take-over does not set it (§6).
	HandedOver   bool   `json:"handedOver"`
	AssigneeName string `json:"assigneeName,omitempty"`
	ContactEmail string `json:"contactEmail,omitempty"`
}

// VisitorUpdate sets what is known about a session's visitor
// (UpdateVisitor). Empty fields are left as they are.
type VisitorUpdate struct {
	SessionID string // required
	Email     string // ≤200
	Name      string // 1–120
	VisitorID string
	Identity  *Identity
}

// VisitorResult is the contact after UpdateVisitor.
type VisitorResult struct {
	ContactID string `json:"contactId"`
	Email     string `json:"email,omitempty"`
	Name      string `json:"name,omitempty"`
}

// IdentifyRequest ties a session to a verified end user (Identify).
type IdentifyRequest struct {
	SessionID string   // required
	Identity  Identity // required
	VisitorID string
}

// IdentifyResult is Munin's answer to Identify.
type IdentifyResult struct {
	EndUserID string `json:"endUserId"`
	// ContactID is empty when Munin has no contact for the user yet.
	ContactID string `json:"contactId,omitempty"`
}
