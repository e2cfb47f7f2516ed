package altabotstest

import "github.com/botbridge/botbridge/internal/fakeserver"

// AltaBots' conversation, bot and anonymous ids look like MongoDB object
// ids: 24 lowercase hex characters ("67d8db020fa31d1ef64f53dg" in the
// handoff page's example, whose last letter is a typo, and a bot_id of 25).
// The fake's ids are 24 random hex characters. The API key's format is not
// documented; the fake's is 43 random base64url characters.

// newObjectID returns 24 random lowercase hex characters.
func newObjectID() string { return fakeserver.RandomString("0123456789abcdef", 24) }

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string { return fakeserver.RandomToken(n) }
