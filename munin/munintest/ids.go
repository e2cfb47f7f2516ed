package munintest

import "github.com/botbridge/botbridge/internal/fakeserver"

// Identifiers look like Munin's (munin-api-reference.md §1, §7), so code
// that logs, stores or pattern-matches them sees realistic values:
// "<prefix>_" + 22 characters of [0-9a-z]; keys "mn_<kind>_" + 43 base64url
// characters; user ids 32 mixed-case letters and digits with no prefix.

const (
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	mixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// newID returns a Munin id such as "ccv_0f3k…".
func newID(prefix string) string { return prefix + "_" + fakeserver.RandomString(lowerAlnum, 22) }

// newUserID returns a Munin user id: 32 mixed-case letters and digits.
func newUserID() string { return fakeserver.RandomString(mixedAlnum, 32) }

// randomToken returns n random bytes as unpadded base64url, as Munin's
// randomToken does: 32 bytes give 43 characters, 24 give 32.
func randomToken(n int) string { return fakeserver.RandomToken(n) }

// newKey returns an API key of kind ("admin", "widget").
func newKey(kind string) string { return "mn_" + kind + "_" + randomToken(32) }

// newWebhookSecret returns "whsec_" + 32 characters (§3.1).
func newWebhookSecret() string { return "whsec_" + randomToken(24) }

// newUUID returns a random RFC 4122 version 4 UUID, the shape of Munin's
// correlation ids and generated request ids.
func newUUID() string { return fakeserver.NewUUID() }
