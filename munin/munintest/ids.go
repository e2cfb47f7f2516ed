package munintest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Identifiers look like Munin's (munin-api-reference.md §1, §7), so code
// that logs, stores or pattern-matches them sees realistic values:
// "<prefix>_" + 22 characters of [0-9a-z]; keys "mn_<kind>_" + 43 base64url
// characters; user ids 32 mixed-case letters and digits with no prefix.

const (
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	mixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// randomString returns n characters drawn uniformly from alphabet.
func randomString(alphabet string, n int) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	for i := 0; i < n; {
		rand.Read(buf)
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out)
}

// newID returns a Munin id such as "ccv_0f3k…".
func newID(prefix string) string { return prefix + "_" + randomString(lowerAlnum, 22) }

// newUserID returns a Munin user id: 32 mixed-case letters and digits.
func newUserID() string { return randomString(mixedAlnum, 32) }

// randomToken returns n random bytes as unpadded base64url, as Munin's
// randomToken does: 32 bytes give 43 characters, 24 give 32.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newKey returns an API key of kind ("admin", "widget").
func newKey(kind string) string { return "mn_" + kind + "_" + randomToken(32) }

// newWebhookSecret returns "whsec_" + 32 characters (§3.1).
func newWebhookSecret() string { return "whsec_" + randomToken(24) }

// newUUID returns a random RFC 4122 version 4 UUID, the shape of Munin's
// correlation ids and generated request ids.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}
