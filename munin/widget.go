package munin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is the widget API (munin-api-reference.md §2): what a bot
// behind a website chat widget calls with its mn_widget_ key. It also holds
// the input checks every method of the package shares, because Push is
// where most of them come from.

// Widget API limits (§2.2, §2.4). Lengths are counted as Munin's zod
// schemas count them: in UTF-16 code units (see jsLen).
const (
	maxPushMessages   = 50
	maxIDLen          = 200 // sessionId, visitorId, verifiedExternalId, providerMessageId, inReplyTo, providerThreadId
	maxBodyLen        = 1000
	maxBodyHTMLLen    = 4000
	maxVisitorNameLen = 120
	maxVisitorEmail   = 200 // PATCH /v1/widget/visitor only
	minLocaleLen      = 2
	maxLocaleLen      = 16
	userHashLen       = 64
	generatedIDLen    = 22 // the random part of a generated providerMessageId
)

// Widget request headers (§2.3, §0 #21): Munin ignores session fields in a
// widget GET's query, so the session and the identity travel as headers.
const (
	headerSessionID          = "x-munin-session-id"
	headerVerifiedExternalID = "x-munin-verified-external-id"
	headerUserHash           = "x-munin-user-hash"
)

// Push sends a visitor's messages to the session's conversation (POST
// /v1/widget/messages, §2.2): Munin creates the conversation and the
// contact on the session's first push and appends to them afterwards.
//
// Push checks every limit of §2.2 before sending and returns an error that
// names the field (it matches ErrValidation). Lengths are counted in UTF-16
// code units, as JavaScript and Munin count them, so an emoji counts two.
//
// Every message without a ProviderMessageID gets one before the first
// attempt: "<SessionID>:" followed by 22 random characters from [0-9a-z]
// (for a SessionID too long for that, a hex SHA-256 of it stands in for
// it). Munin skips a message whose providerMessageId it already stored, so
// with an id on every message a retried push cannot store a message twice,
// and Push lets the transport retry it like an idempotent call. Munin keeps
// those ids unique across all its orgs (§0 #11), hence the namespace. The
// caller's Messages are never changed; PushResult.ProviderMessageIDs lists
// the ids used, in order.
//
// More than 50 messages are sent as several requests of at most 50, in
// order; the counts of the result are summed. When a request fails, Push
// returns the error with the result so far: Requests counts the requests
// Munin accepted, so Messages[:Requests*50] are stored. The request that
// failed may or may not have been stored (its answer may have been lost
// after Munin committed it), and the ones after it were not sent.
// ProviderMessageIDs holds the id of every message: setting them on the
// messages and pushing again stores exactly what is missing, since Munin
// skips the ids it has.
//
// ProviderMessageIDs must be unique within a push; Push refuses a repeat
// before sending.
func (w *WidgetClient) Push(ctx context.Context, p Push) (PushResult, error) {
	if err := p.validate(); err != nil {
		return PushResult{}, err
	}
	ids, err := providerMessageIDs(p.SessionID, p.Messages)
	if err != nil {
		return PushResult{}, fmt.Errorf("munin: Push: generate providerMessageId: %w", err)
	}
	res := PushResult{ProviderMessageIDs: ids}
	body := w.pushBody(p)
	for start := 0; start < len(p.Messages); start += maxPushMessages {
		end := min(start+maxPushMessages, len(p.Messages))
		body.Messages = make([]pushMessage, 0, end-start)
		for i := start; i < end; i++ {
			body.Messages = append(body.Messages, newPushMessage(p.Messages[i], ids[i]))
		}
		var out pushResponse
		_, err := w.rest.Do(ctx, &transport.Request{
			Method: http.MethodPost,
			Path:   "v1/widget/messages",
			Body:   body,
			// Safe to repeat: every message carries a providerMessageId.
			Idempotent: true,
		}, &out)
		if err != nil {
			if len(p.Messages) > maxPushMessages {
				return res, fmt.Errorf("munin: Push: Messages[%d:%d]: %w", start, end, err)
			}
			return res, err
		}
		res.Requests++
		res.Inserted += out.Inserted
		res.Skipped += out.Skipped
		if out.ConversationID != "" {
			res.ConversationID = out.ConversationID
		}
		if out.DisplayID != 0 {
			res.DisplayID = out.DisplayID
		}
		if out.ContactID != "" {
			res.ContactID = out.ContactID
		}
	}
	return res, nil
}

// pushBody is the JSON of POST /v1/widget/messages (§2.2).
type pushBody struct {
	ChannelID          string        `json:"channelId"`
	SessionID          string        `json:"sessionId"`
	VisitorID          string        `json:"visitorId,omitempty"`
	VerifiedExternalID string        `json:"verifiedExternalId,omitempty"`
	UserHash           string        `json:"userHash,omitempty"`
	Visitor            *pushVisitor  `json:"visitor,omitempty"`
	URL                string        `json:"url,omitempty"`
	ProviderThreadID   string        `json:"providerThreadId,omitempty"`
	Locale             string        `json:"locale,omitempty"`
	Messages           []pushMessage `json:"messages"`
}

type pushVisitor struct {
	Name     string         `json:"name,omitempty"`
	Email    string         `json:"email,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type pushMessage struct {
	Role              string `json:"role"`
	Body              string `json:"body"`
	BodyHTML          string `json:"bodyHtml,omitempty"`
	ProviderMessageID string `json:"providerMessageId"`
	InReplyTo         string `json:"inReplyTo,omitempty"`
	At                string `json:"at,omitempty"`
}

type pushResponse struct {
	ConversationID string `json:"conversationId"`
	DisplayID      int64  `json:"displayId"`
	ContactID      string `json:"contactId"`
	Inserted       int    `json:"inserted"`
	Skipped        int    `json:"skipped"`
}

// pushBody is everything of p's request but the messages.
func (w *WidgetClient) pushBody(p Push) pushBody {
	b := pushBody{
		ChannelID:        w.channelID,
		SessionID:        p.SessionID,
		VisitorID:        p.VisitorID,
		URL:              p.URL,
		ProviderThreadID: p.ProviderThreadID,
		Locale:           p.Locale,
	}
	if p.Identity != nil {
		b.VerifiedExternalID, b.UserHash = p.Identity.ExternalID, p.Identity.UserHash
	}
	if v := p.Visitor; v != nil && (v.Name != "" || v.Email != "" || len(v.Metadata) > 0) {
		b.Visitor = &pushVisitor{Name: v.Name, Email: v.Email, Metadata: v.Metadata}
	}
	return b
}

// newPushMessage is m as Munin takes it, with its providerMessageId.
func newPushMessage(m WidgetMessage, id string) pushMessage {
	pm := pushMessage{
		Role:              AuthorEndUser, // the only role Munin accepts (§0 #8)
		Body:              m.Body,
		BodyHTML:          m.BodyHTML,
		ProviderMessageID: id,
		InReplyTo:         m.InReplyTo,
	}
	if !m.At.IsZero() {
		pm.At = formatTime(m.At)
	}
	return pm
}

// validate checks p against §2.2.
func (p *Push) validate() error {
	const op = "Push"
	if err := checkLen(op, "SessionID", p.SessionID, 1, maxIDLen); err != nil {
		return err
	}
	if err := checkOptionalLen(op, "VisitorID", p.VisitorID, maxIDLen); err != nil {
		return err
	}
	if p.Identity != nil {
		if err := p.Identity.validate(op, "Identity"); err != nil {
			return err
		}
	}
	if v := p.Visitor; v != nil {
		if err := checkOptionalLen(op, "Visitor.Name", v.Name, maxVisitorNameLen); err != nil {
			return err
		}
		if v.Email != "" && !isEmail(v.Email) {
			return invalid(op, "Visitor.Email", "not an email address")
		}
		for _, key := range []string{"sessionId", "externalId"} {
			if _, ok := v.Metadata[key]; ok {
				return invalid(op, "Visitor.Metadata", fmt.Sprintf("key %q would override Munin's own value", key))
			}
		}
	}
	if p.URL != "" && !isAbsoluteURL(p.URL, false) {
		return invalid(op, "URL", "not an absolute URL")
	}
	if err := checkOptionalLen(op, "ProviderThreadID", p.ProviderThreadID, maxIDLen); err != nil {
		return err
	}
	if p.Locale != "" {
		if err := checkLen(op, "Locale", p.Locale, minLocaleLen, maxLocaleLen); err != nil {
			return err
		}
	}
	if len(p.Messages) == 0 {
		return invalid(op, "Messages", "empty; a push needs at least one message")
	}
	// Munin keeps providerMessageId unique (§2.2): a repeat within one
	// push would be skipped as "already stored" or fail the whole request.
	seen := make(map[string]int, len(p.Messages))
	for i, m := range p.Messages {
		field := func(name string) string { return fmt.Sprintf("Messages[%d].%s", i, name) }
		if err := checkLen(op, field("Body"), m.Body, 1, maxBodyLen); err != nil {
			return err
		}
		if err := checkOptionalLen(op, field("BodyHTML"), m.BodyHTML, maxBodyHTMLLen); err != nil {
			return err
		}
		if err := checkOptionalLen(op, field("ProviderMessageID"), m.ProviderMessageID, maxIDLen); err != nil {
			return err
		}
		if id := m.ProviderMessageID; id != "" {
			if j, ok := seen[id]; ok {
				return invalid(op, field("ProviderMessageID"), fmt.Sprintf("the same as Messages[%d]'s", j))
			}
			seen[id] = i
		}
		if err := checkOptionalLen(op, field("InReplyTo"), m.InReplyTo, maxIDLen); err != nil {
			return err
		}
		if err := checkTime(op, field("At"), m.At); err != nil {
			return err
		}
	}
	return nil
}

// validate checks a verified identity (§2.2: both fields or neither; the
// struct makes "neither" a nil pointer).
func (id *Identity) validate(op, field string) error {
	if err := checkLen(op, field+".ExternalID", id.ExternalID, 1, maxIDLen); err != nil {
		return err
	}
	if !isUserHash(id.UserHash) {
		return invalid(op, field+".UserHash", "must be 64 lowercase hex digits, as UserHash returns")
	}
	return nil
}

// providerMessageIDs returns the providerMessageId of each message: its
// own, or a new one namespaced by session. msgs is not changed.
func providerMessageIDs(sessionID string, msgs []WidgetMessage) ([]string, error) {
	namespace := sessionID
	if jsLen(sessionID)+1+generatedIDLen > maxIDLen {
		// A fixed-length stand-in keeps "<namespace>:<random>" within
		// Munin's 200 characters and still apart from other sessions.
		sum := sha256.Sum256([]byte(sessionID))
		namespace = hex.EncodeToString(sum[:])
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		if m.ProviderMessageID != "" {
			ids[i] = m.ProviderMessageID
			continue
		}
		r, err := randomID(rand.Reader, generatedIDLen)
		if err != nil {
			return nil, err
		}
		ids[i] = namespace + ":" + r
	}
	return ids, nil
}

// idAlphabet is the alphabet of Munin's own ids (§1).
const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// randomID returns n characters from idAlphabet, uniformly: bytes at or
// above the largest multiple of 36 are dropped rather than folded in.
func randomID(r io.Reader, n int) (string, error) {
	const limit = 256 - 256%len(idAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out), nil
}

// MessagesPage reads one page of a session's widget feed (GET
// /v1/widget/messages, §2.3): at most 100 messages after req.Since, the
// oldest first. The session goes in the x-munin-session-id header, since
// Munin ignores it in the query (§0 #21). An unknown session gives an empty
// page and a nil Conversation.
func (w *WidgetClient) MessagesPage(ctx context.Context, req MessagesRequest) (FeedPage, error) {
	const op = "MessagesPage"
	if err := checkLen(op, "SessionID", req.SessionID, 1, maxIDLen); err != nil {
		return FeedPage{}, err
	}
	if req.Since != "" {
		if t, err := time.Parse(time.RFC3339Nano, req.Since); err != nil || !strings.HasSuffix(req.Since, "Z") || t.IsZero() {
			return FeedPage{}, invalid(op, "Since", "not a cursor: Munin takes an ISO time ending in Z (FeedPage.Cursor)")
		}
	}
	header := http.Header{}
	header.Set(headerSessionID, req.SessionID)
	if req.Identity != nil {
		if err := req.Identity.validate(op, "Identity"); err != nil {
			return FeedPage{}, err
		}
		header.Set(headerVerifiedExternalID, req.Identity.ExternalID)
		header.Set(headerUserHash, req.Identity.UserHash)
	}
	query := url.Values{"channelId": {w.channelID}}
	if req.Since != "" {
		query.Set("since", req.Since)
	}
	var page FeedPage
	if _, err := w.rest.Do(ctx, &transport.Request{
		Method: http.MethodGet,
		Path:   "v1/widget/messages",
		Query:  query,
		Header: header,
	}, &page); err != nil {
		return FeedPage{}, err
	}
	return page, nil
}

// Messages reads a session's whole widget feed from req.Since on, page by
// page: each page's Cursor is the next page's Since (§2.3; the cursor is
// the ingestion time, so always page with it rather than with a message's
// At, §7). It stops when Munin has no more, when the consumer stops, or
// after yielding the first error. A page that claims more but carries no
// new cursor also ends the feed, since asking again would only return the
// same page.
func (w *WidgetClient) Messages(ctx context.Context, req MessagesRequest) iter.Seq2[FeedMessage, error] {
	return func(yield func(FeedMessage, error) bool) {
		for {
			page, err := w.MessagesPage(ctx, req)
			if err != nil {
				yield(FeedMessage{}, err)
				return
			}
			for _, m := range page.Messages {
				if !yield(m, nil) {
					return
				}
			}
			if !page.HasMore || page.Cursor == "" || page.Cursor == req.Since {
				return
			}
			req.Since = page.Cursor
		}
	}
}

// UpdateVisitor sets the email, name or identity of the contact and end
// user of a session's conversation (PATCH /v1/widget/visitor, §2.4). It is
// the only way to add an email to a contact Munin already has: a push never
// does (§0 #12). A session with no conversation yet gives
// ErrSessionNotFound.
func (w *WidgetClient) UpdateVisitor(ctx context.Context, u VisitorUpdate) (VisitorResult, error) {
	const op = "UpdateVisitor"
	if err := checkLen(op, "SessionID", u.SessionID, 1, maxIDLen); err != nil {
		return VisitorResult{}, err
	}
	if err := checkOptionalLen(op, "Email", u.Email, maxVisitorEmail); err != nil {
		return VisitorResult{}, err
	}
	if u.Email != "" && !isEmail(u.Email) {
		return VisitorResult{}, invalid(op, "Email", "not an email address")
	}
	if err := checkOptionalLen(op, "Name", u.Name, maxVisitorNameLen); err != nil {
		return VisitorResult{}, err
	}
	if err := checkOptionalLen(op, "VisitorID", u.VisitorID, maxIDLen); err != nil {
		return VisitorResult{}, err
	}
	body := visitorBody{
		ChannelID: w.channelID,
		SessionID: u.SessionID,
		Email:     u.Email,
		Name:      u.Name,
		VisitorID: u.VisitorID,
	}
	if u.Identity != nil {
		if err := u.Identity.validate(op, "Identity"); err != nil {
			return VisitorResult{}, err
		}
		body.VerifiedExternalID, body.UserHash = u.Identity.ExternalID, u.Identity.UserHash
	}
	var out VisitorResult
	if _, err := w.rest.Do(ctx, &transport.Request{
		Method: http.MethodPatch,
		Path:   "v1/widget/visitor",
		Body:   body,
		// It sets values: a repeat leaves the contact as one call did.
		Idempotent: true,
	}, &out); err != nil {
		return VisitorResult{}, err
	}
	return out, nil
}

// visitorBody is the JSON of PATCH /v1/widget/visitor and POST
// /v1/widget/identify (§2.4).
type visitorBody struct {
	ChannelID          string `json:"channelId"`
	SessionID          string `json:"sessionId"`
	Email              string `json:"email,omitempty"`
	Name               string `json:"name,omitempty"`
	VisitorID          string `json:"visitorId,omitempty"`
	VerifiedExternalID string `json:"verifiedExternalId,omitempty"`
	UserHash           string `json:"userHash,omitempty"`
}

// Identify ties a session to a verified end user (POST
// /v1/widget/identify, §2.4); req.Identity.UserHash is UserHash(the
// channel's identity verification secret, req.Identity.ExternalID).
// IdentifyResult.ContactID is empty when Munin has no contact for the user
// yet.
func (w *WidgetClient) Identify(ctx context.Context, req IdentifyRequest) (IdentifyResult, error) {
	const op = "Identify"
	if err := checkLen(op, "SessionID", req.SessionID, 1, maxIDLen); err != nil {
		return IdentifyResult{}, err
	}
	if err := req.Identity.validate(op, "Identity"); err != nil {
		return IdentifyResult{}, err
	}
	if err := checkOptionalLen(op, "VisitorID", req.VisitorID, maxIDLen); err != nil {
		return IdentifyResult{}, err
	}
	var out IdentifyResult
	if _, err := w.rest.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		Path:   "v1/widget/identify",
		Body: visitorBody{
			ChannelID:          w.channelID,
			SessionID:          req.SessionID,
			VisitorID:          req.VisitorID,
			VerifiedExternalID: req.Identity.ExternalID,
			UserHash:           req.Identity.UserHash,
		},
	}, &out); err != nil {
		return IdentifyResult{}, err
	}
	return out, nil
}

// UserHash returns the userHash that proves externalID to Munin (§2.1):
// the lowercase hex HMAC-SHA256 of externalID, keyed with the UTF-8 bytes
// of the channel's identity verification secret exactly as Munin issued it
// (not decoded). Compute it on the server; the secret must never reach a
// browser.
func UserHash(identitySecret, externalID string) string {
	m := hmac.New(sha256.New, []byte(identitySecret))
	m.Write([]byte(externalID))
	return hex.EncodeToString(m.Sum(nil))
}

// inputError is a request the SDK refused before sending it, because it
// breaks a limit Munin documents. It matches ErrValidation, like Munin's
// own 400, so one errors.Is finds bad input wherever it was caught. It
// never quotes the value: emails, URLs with tokens and hashes stay out of
// logs.
type inputError struct {
	op, field, problem string
}

func (e *inputError) Error() string { return "munin: " + e.op + ": " + e.field + ": " + e.problem }

func (e *inputError) Unwrap() error { return ErrValidation }

// invalid returns an *inputError.
func invalid(op, field, problem string) error {
	return &inputError{op: op, field: field, problem: problem}
}

// checkLen checks that v is min–max characters long, counted as Munin
// counts them (jsLen).
func checkLen(op, field, v string, minLen, maxLen int) error {
	n := jsLen(v)
	switch {
	case n == 0 && minLen > 0:
		return invalid(op, field, "required")
	case n < minLen:
		return invalid(op, field, fmt.Sprintf("%d characters, the minimum is %d", n, minLen))
	case n > maxLen:
		return invalid(op, field, fmt.Sprintf("%d characters, the limit is %d", n, maxLen))
	}
	return nil
}

// checkOptionalLen checks an optional field: empty means unset (the
// request leaves it out), else it is 1–maxLen characters.
func checkOptionalLen(op, field, v string, maxLen int) error {
	if v == "" {
		return nil
	}
	return checkLen(op, field, v, 1, maxLen)
}

// checkID refuses an empty id before it reaches a path: "v1/conversations/"
// with no id is another route.
func checkID(op, field, id string) error {
	if id == "" {
		return invalid(op, field, "required")
	}
	return nil
}

// checkTime checks a time Munin will receive: zod's datetime() wants a
// four-digit year.
func checkTime(op, field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return invalid(op, field, fmt.Sprintf("year %d is out of range", y))
	}
	return nil
}

// timeLayout is how Munin writes and reads times (§1): UTC, milliseconds,
// "Z"; an offset is rejected.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// formatTime writes t as Munin reads it.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// jsLen is the length of s as JavaScript, and so Munin's zod schemas, count
// it: UTF-16 code units. A character outside the Basic Multilingual Plane
// (most emoji) counts two; an invalid UTF-8 byte, which JSON encoding turns
// into U+FFFD, counts one.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// isUserHash reports whether s is 64 lowercase hex digits.
func isUserHash(s string) bool {
	if len(s) != userHashLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// emailPattern is zod's email check without its two look-aheads, which
// isEmail applies by hand (Go's regexp has no look-ahead).
var emailPattern = regexp.MustCompile(`^[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`)

// isEmail reports whether s passes zod's email check, the one Munin applies.
func isEmail(s string) bool {
	return !strings.HasPrefix(s, ".") && !strings.Contains(s, "..") && emailPattern.MatchString(s)
}

// isAbsoluteURL reports whether s is an absolute URL with a host; with
// httpOnly, its scheme must be http or https.
func isAbsoluteURL(s string, httpOnly bool) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	return !httpOnly || u.Scheme == "http" || u.Scheme == "https"
}
