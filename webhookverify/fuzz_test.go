package webhookverify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

var sentinels = []error{
	webhookverify.ErrMissingSignature,
	webhookverify.ErrMalformedSignature,
	webhookverify.ErrSignatureMismatch,
	webhookverify.ErrEmptySecret,
	webhookverify.ErrTooLarge,
}

// FuzzVerify checks that verification never panics and never accepts a signature that Sign did not
// produce for that secret and payload (up to the case of the hex digits), and that it accepts every
// one that Sign did produce, in both encodings.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(githubSecret), []byte(githubPayload), githubSignature)
	f.Add([]byte(rfc4231Key), []byte(rfc4231Data), "sha256="+rfc4231MAC)
	f.Add([]byte(rfc4231Key), []byte(rfc4231Data), rfc4231MAC)
	f.Add([]byte(rfc4231Key), []byte(rfc4231Data), strings.ToUpper(rfc4231MAC))
	f.Add([]byte(muninSecret), []byte(muninBody), muninSignature)
	f.Add([]byte(muninSecret), []byte(muninBody), mixCase(muninSignature))
	f.Add([]byte(muninSecret), []byte(muninBody), " "+muninSignature)
	f.Add([]byte(muninSecret), []byte(muninBody), "SHA256="+muninSignature[len("sha256="):])
	f.Add([]byte(muninSecret), []byte(muninBody), "sha256=")
	f.Add([]byte(muninSecret), []byte(muninBody), "")
	f.Add([]byte(muninSecret), []byte(nil), "sha256=zz")
	f.Add([]byte(nil), []byte(muninBody), muninSignature)

	f.Fuzz(func(t *testing.T, secret, payload []byte, signature string) {
		err := webhookverify.Verify(secret, payload, signature)
		prefixed, newErr := webhookverify.NewVerifier([][]byte{secret})
		bare, bareErr := webhookverify.NewVerifier([][]byte{secret}, webhookverify.WithEncoding(webhookverify.BareHex))

		if len(secret) == 0 {
			assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
			assert.ErrorIs(t, newErr, webhookverify.ErrEmptySecret)
			assert.ErrorIs(t, bareErr, webhookverify.ErrEmptySecret)
			assert.Empty(t, webhookverify.Sign(secret, payload))
			return
		}
		require.NoError(t, newErr)
		require.NoError(t, bareErr)

		want := webhookverify.Sign(secret, payload)
		require.True(t, strings.HasPrefix(want, "sha256="))
		wantHex := want[len("sha256="):]

		// Sound: whatever passes is Sign's output.
		if err == nil {
			assert.True(t, strings.HasPrefix(signature, "sha256=") && asciiLower(signature[len("sha256="):]) == wantHex,
				"accepted a signature Sign did not produce")
		}
		// Complete: Sign's output passes, whatever the case of its hex digits.
		if strings.HasPrefix(signature, "sha256=") && asciiLower(signature[len("sha256="):]) == wantHex {
			assert.NoError(t, err)
		}
		assertSentinelOrNil(t, err)

		// The Verifier agrees with Verify.
		vErr := prefixed.Verify(payload, signature)
		assert.Equal(t, err, vErr)
		assert.Equal(t, want, prefixed.Sign(payload))
		assert.NoError(t, prefixed.Verify(payload, want))

		// Moveo's bare hex: the same rules without the prefix.
		bErr := bare.Verify(payload, signature)
		if bErr == nil {
			assert.Equal(t, wantHex, asciiLower(signature), "bare hex verifier accepted a signature Sign did not produce")
		}
		if asciiLower(signature) == wantHex {
			assert.NoError(t, bErr)
		}
		assertSentinelOrNil(t, bErr)
		assert.Equal(t, wantHex, bare.Sign(payload))
		assert.NoError(t, bare.Verify(payload, wantHex))
	})
}

func assertSentinelOrNil(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			assert.Equal(t, sentinel.Error(), err.Error(), "a sentinel must not be decorated")
			return
		}
	}
	t.Errorf("not a sentinel: %v", err)
}

// asciiLower lower-cases A-Z only. strings.ToLower and strings.EqualFold also fold non-ASCII letters
// (U+017F LATIN SMALL LETTER LONG S folds to 's'), which the verifier rightly refuses.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
