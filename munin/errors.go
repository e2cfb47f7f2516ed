package munin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botbridge/botbridge/internal/transport"
)

// APIError is Munin's answer with a status other than 2xx, or an MCP tool
// result with isError. Code is Munin's machine-readable code, such as
// "handover_active" or "origin_not_allowed"; RequestID is Munin's
// x-request-id; RetryAfter comes from retry-after-public-minute or -hour.
// Match kinds with errors.Is and the sentinels below.
type APIError = transport.APIError

// Sentinels shared with every botbridge vendor package. errors.Is matches
// them by HTTP status (an MCP tool error gets the status of its REST twin).
var (
	ErrUnauthorized = transport.ErrUnauthorized // 401: bad, revoked or rotated key
	ErrForbidden    = transport.ErrForbidden    // 403
	ErrNotFound     = transport.ErrNotFound     // 404
	ErrConflict     = transport.ErrConflict     // 409
	ErrRateLimited  = transport.ErrRateLimited  // 429, or MCP rate_limited / mcp_burst_limited
	ErrValidation   = transport.ErrValidation   // 400
	ErrServer       = transport.ErrServer       // 5xx
)

// Munin's own error codes that a bot branches on. Each matches an *APIError
// whose Code is the code in the comment.
var (
	// ErrHandoverActive: a human holds a claim on the conversation, so the
	// bot's post was refused (409 handover_active). Stay quiet.
	ErrHandoverActive = errors.New("handover_active")
	// ErrClaimHeldByOther: someone else holds the claim (409
	// claim_held_by_other).
	ErrClaimHeldByOther = errors.New("claim_held_by_other")
	// ErrAgentReplyRace: a newer public agent message exists than the
	// SinceMessageID the post named (409 agent_reply_race).
	ErrAgentReplyRace = errors.New("agent_reply_race")
	// ErrConversationNotFound: no such conversation (404 conv_not_found).
	ErrConversationNotFound = errors.New("conv_not_found")
	// ErrOriginRequired: a widget call without an Origin (403
	// origin_required).
	ErrOriginRequired = errors.New("origin_required")
	// ErrOriginNotAllowed: the Origin is not on the channel's allowlist
	// (403 origin_not_allowed).
	ErrOriginNotAllowed = errors.New("origin_not_allowed")
	// ErrOriginAllowlistRequired: the channel has an empty allowlist (400
	// at create, 403 at ingest: origin_allowlist_required).
	ErrOriginAllowlistRequired = errors.New("origin_allowlist_required")
	// ErrWidgetChannelMismatch: the channel is not the widget key's (403
	// widget_channel_mismatch).
	ErrWidgetChannelMismatch = errors.New("widget_channel_mismatch")
	// ErrInvalidWidgetInput: Munin refused a widget body or query (403
	// invalid_widget_input or invalid_widget_query). The SDK checks the
	// documented limits first, so this means a limit it does not know.
	ErrInvalidWidgetInput = errors.New("invalid_widget_input")
	// ErrWidgetKeyRequired: a widget route called with another kind of key
	// (403 widget_key_required).
	ErrWidgetKeyRequired = errors.New("widget_key_required")
	// ErrChannelInactive: the channel is archived or inactive (403
	// "channel <id> is inactive"; Code "channel_inactive").
	ErrChannelInactive = errors.New("channel_inactive")
	// ErrSessionNotFound: UpdateVisitor named a session with no
	// conversation (404 session_not_found).
	ErrSessionNotFound = errors.New("session_not_found")
	// ErrIdentityVerificationFailed: the userHash does not match (403
	// identity_verification_failed); also identity_partial and
	// identity_required.
	ErrIdentityVerificationFailed = errors.New("identity_verification_failed")
	// ErrScopeMissing: the admin key lacks a scope the call needs (MCP
	// "Missing required scope", or REST's "control-plane routes require an
	// unrestricted admin key").
	ErrScopeMissing = errors.New("scope_missing")
	// ErrRESTOnly: the operation exists only in Munin's REST API and the
	// client was built WithMCP. It is returned before anything is sent.
	ErrRESTOnly = errors.New("munin: operation is REST only; not available over MCP")
)

// codeSentinels maps Munin codes to the sentinels above.
var codeSentinels = map[string]error{
	"handover_active":              ErrHandoverActive,
	"claim_held_by_other":          ErrClaimHeldByOther,
	"agent_reply_race":             ErrAgentReplyRace,
	"conv_not_found":               ErrConversationNotFound,
	"origin_required":              ErrOriginRequired,
	"origin_not_allowed":           ErrOriginNotAllowed,
	"origin_allowlist_required":    ErrOriginAllowlistRequired,
	"widget_channel_mismatch":      ErrWidgetChannelMismatch,
	"invalid_widget_input":         ErrInvalidWidgetInput,
	"invalid_widget_query":         ErrInvalidWidgetInput,
	"widget_key_required":          ErrWidgetKeyRequired,
	"channel_inactive":             ErrChannelInactive,
	"session_not_found":            ErrSessionNotFound,
	"identity_verification_failed": ErrIdentityVerificationFailed,
	"identity_partial":             ErrIdentityVerificationFailed,
	"identity_required":            ErrIdentityVerificationFailed,
	"scope_missing":                ErrScopeMissing,
	"rate_limited":                 ErrRateLimited,
	"mcp_burst_limited":            ErrRateLimited,
}

// decodeError reads Munin's error body into a code, a message and a
// sentinel. Munin's shapes (§1, §7) are NestJS's {statusCode, message,
// error}, 409's extra "code", and validation's "fieldErrors"; "message" may
// be a string or, from other NestJS pipes, a list. Each field is read on its
// own, so one field of an unexpected type (a numeric code, fieldErrors that
// is not a list) does not cost the others.
//
// The code is the body's "code" when that is a machine code, else the
// leading snake_case word of the message ("origin_not_allowed",
// "invalid_widget_input: …", "conv_not_found: conversation …").
func decodeError(status int, _ http.Header, body []byte) (code, message string, kind error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", "", nil
	}
	message = rawText(fields["message"])
	if err := json.Unmarshal(fields["code"], &code); err != nil || !isCodeWord(code) {
		// Not a machine code (absent, not a string, or text with spaces):
		// use the message's.
		code = codeOf(status, message)
	}
	if code == "" && hasFieldErrors(fields["fieldErrors"]) {
		code = "validation_failed"
	}
	return code, message, codeSentinels[code]
}

// hasFieldErrors reports whether raw is a non-empty list, as validation's
// fieldErrors is.
func hasFieldErrors(raw json.RawMessage) bool {
	var list []json.RawMessage
	return json.Unmarshal(raw, &list) == nil && len(list) > 0
}

// rawText reads a JSON string or a list of strings.
func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "; ")
	}
	return ""
}

// codeOf finds Munin's code in an error or tool-result message.
func codeOf(status int, message string) string {
	switch {
	case strings.HasPrefix(message, "channel ") && strings.HasSuffix(message, " is inactive"):
		return "channel_inactive"
	case strings.HasPrefix(message, "Missing required scope"),
		strings.HasPrefix(message, "control-plane routes require an unrestricted admin key"):
		return "scope_missing"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	}
	word, _, _ := strings.Cut(message, ":")
	if word == "" || strings.Trim(word, "abcdefghijklmnopqrstuvwxyz_") != "" || !strings.Contains(word, "_") {
		return ""
	}
	return word
}

// isCodeWord reports whether s can be a machine code: ASCII letters,
// digits, '_', '-' and '.', nothing else, so a code is always one word a
// caller can compare and log.
func isCodeWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// retryAfter reads Munin's public throttle headers (§7: the only retry
// header on a widget 429 is retry-after-public-minute, in seconds; the
// hourly window sends -hour) and falls back to a standard Retry-After. When
// both windows answer, the longer wait is the one that lifts the limit.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	found := false
	for _, name := range []string{"Retry-After-Public-Minute", "Retry-After-Public-Hour"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
				wait, found = max(wait, time.Duration(secs)*time.Second), true
			}
		}
	}
	if found {
		return wait, true
	}
	return transport.ParseRetryAfter(h, now)
}
