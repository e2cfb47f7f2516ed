package moveotest

import "github.com/botbridge/botbridge/internal/fakeserver"

// Moveo's ids are UUIDs: integration, session, request and file ids
// (moveo-api-notes.md, "Details from the individual endpoint pages"). The
// API key's format is not documented; the fake's is 43 random base64url
// characters.

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string { return fakeserver.NewUUID() }

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string { return fakeserver.RandomToken(n) }
