package webhookverify_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// Public test vectors, each checked independently with openssl.
const (
	// GitHub's documented webhook example ("Validating webhook deliveries").
	githubSecret    = "It's a Secret to Everybody"
	githubPayload   = "Hello, World!"
	githubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

	// RFC 4231 section 4.3, test case 2 (HMAC-SHA256), in Moveo's bare-hex form.
	rfc4231Key  = "Jefe"
	rfc4231Data = "what do ya want for nothing?"
	rfc4231MAC  = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

	// A Munin delivery as munin-api-reference 3.2 describes it: a secret of "whsec_" plus 32
	// base64url characters, and a compact JSON envelope with keys in the documented order.
	muninSecret    = "whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA"
	muninBody      = `{"type":"conversation.message.sent","id":"evt_01J1Z8Q4W6X2M5N7P9R3T5V7XB","orgId":"org_01J1Z7K2H4F6D8B0C2E4G6J8LM","correlationId":null,"createdAt":"2026-07-02T10:00:00.000Z","payload":{"internal":false,"messageId":"msg_01J1Z8Q4V3S1R9P7N5M3K1H9GF","authorType":"user","conversationId":"cnv_01J1Z7Y5T3R1Q9P7N5M3K1J9HG"}}`
	muninSignature = "sha256=2d01239fd3c9d444653522c4f932d25d63e9bbbe534183de83608c8eee88d5bf"
)

var prefixedHexPattern = regexp.MustCompile(`^sha256=[0-9a-f]{64}$`)

func TestSign_GitHubVector(t *testing.T) {
	got := webhookverify.Sign([]byte(githubSecret), []byte(githubPayload))

	assert.Equal(t, githubSignature, got)
	assert.NoError(t, webhookverify.Verify([]byte(githubSecret), []byte(githubPayload), githubSignature))
}

func TestVerifier_RFC4231BareHex(t *testing.T) {
	v, err := webhookverify.NewVerifier([][]byte{[]byte(rfc4231Key)}, webhookverify.WithEncoding(webhookverify.BareHex))
	require.NoError(t, err)

	assert.Equal(t, rfc4231MAC, v.Sign([]byte(rfc4231Data)))
	assert.NoError(t, v.Verify([]byte(rfc4231Data), rfc4231MAC))
	assert.Equal(t, "sha256="+rfc4231MAC, webhookverify.Sign([]byte(rfc4231Key), []byte(rfc4231Data)))
}

func TestSign_MuninDelivery(t *testing.T) {
	require.Len(t, muninSecret, 38, "whsec_ + base64url of 24 bytes")

	got := webhookverify.Sign([]byte(muninSecret), []byte(muninBody))

	assert.Regexp(t, prefixedHexPattern, got)
	assert.Equal(t, muninSignature, got)
	assert.NoError(t, webhookverify.Verify([]byte(muninSecret), []byte(muninBody), got))

	// The key is the whole secret string: neither the part after "whsec_" nor its base64url
	// decoding signs the delivery.
	withoutPrefix := strings.TrimPrefix(muninSecret, "whsec_")
	decoded, err := base64.URLEncoding.DecodeString(withoutPrefix)
	require.NoError(t, err)
	require.Len(t, decoded, 24)
	for name, key := range map[string][]byte{"without prefix": []byte(withoutPrefix), "base64-decoded": decoded} {
		assert.NotEqual(t, muninSignature, webhookverify.Sign(key, []byte(muninBody)), name)
		assert.ErrorIs(t, webhookverify.Verify(key, []byte(muninBody), muninSignature), webhookverify.ErrSignatureMismatch, name)
	}
}

func TestSign_EmptySecret(t *testing.T) {
	assert.Empty(t, webhookverify.Sign(nil, []byte(githubPayload)))
	assert.Empty(t, webhookverify.Sign([]byte{}, []byte(githubPayload)))
	assert.ErrorIs(t, webhookverify.Verify(nil, []byte(githubPayload), githubSignature), webhookverify.ErrEmptySecret)
	assert.ErrorIs(t, webhookverify.Verify([]byte{}, []byte(githubPayload), ""), webhookverify.ErrEmptySecret)
}

func TestSign_NilPayload(t *testing.T) {
	sig := webhookverify.Sign([]byte(githubSecret), nil)

	assert.Regexp(t, prefixedHexPattern, sig)
	assert.Equal(t, webhookverify.Sign([]byte(githubSecret), []byte{}), sig)
	assert.NoError(t, webhookverify.Verify([]byte(githubSecret), nil, sig))
}

// delivery is one signed request as a receiver sees it; the bad-input rows mutate a valid one.
type delivery struct {
	encoding  webhookverify.Encoding
	secret    string
	body      string
	signature string
}

func validMuninDelivery() delivery {
	return delivery{encoding: webhookverify.PrefixedHex, secret: muninSecret, body: muninBody, signature: muninSignature}
}

func validMoveoDelivery() delivery {
	return delivery{encoding: webhookverify.BareHex, secret: rfc4231Key, body: rfc4231Data, signature: rfc4231MAC}
}

type badInputCase struct {
	name   string
	start  func() delivery
	mutate func(*delivery)
	want   error
}

func badInputCases() []badInputCase {
	munin, moveo := validMuninDelivery, validMoveoDelivery
	return []badInputCase{
		{"munin valid", munin, func(*delivery) {}, nil},
		{"moveo valid", moveo, func(*delivery) {}, nil},
		{"empty header", munin, func(d *delivery) { d.signature = "" }, webhookverify.ErrMissingSignature},
		{"moveo empty header", moveo, func(d *delivery) { d.signature = "" }, webhookverify.ErrMissingSignature},
		{"prefix alone", munin, func(d *delivery) { d.signature = "sha256=" }, webhookverify.ErrMalformedSignature},
		{"odd-length hex", munin, func(d *delivery) { d.signature = "sha256=abc" }, webhookverify.ErrMalformedSignature},
		{"63 hex chars", munin, func(d *delivery) { d.signature = d.signature[:len(d.signature)-1] }, webhookverify.ErrMalformedSignature},
		{"65 hex chars", munin, func(d *delivery) { d.signature += "0" }, webhookverify.ErrMalformedSignature},
		{"62 hex chars", munin, func(d *delivery) { d.signature = d.signature[:len(d.signature)-2] }, webhookverify.ErrMalformedSignature},
		{"twice the length", munin, func(d *delivery) { d.signature += d.signature[len("sha256="):] }, webhookverify.ErrMalformedSignature},
		{"moveo 63 hex chars", moveo, func(d *delivery) { d.signature = d.signature[1:] }, webhookverify.ErrMalformedSignature},
		{"moveo 65 hex chars", moveo, func(d *delivery) { d.signature = "0" + d.signature }, webhookverify.ErrMalformedSignature},
		{"non-hex first digit", munin, func(d *delivery) { d.signature = "sha256=g" + d.signature[8:] }, webhookverify.ErrMalformedSignature},
		{"non-hex last digit", munin, func(d *delivery) { d.signature = d.signature[:len(d.signature)-1] + "z" }, webhookverify.ErrMalformedSignature},
		{"moveo non-hex", moveo, func(d *delivery) { d.signature = strings.Replace(d.signature, "5", "-", 1) }, webhookverify.ErrMalformedSignature},
		{"wrong prefix sha1=", munin, func(d *delivery) { d.signature = "sha1=" + d.signature[len("sha256="):] }, webhookverify.ErrMalformedSignature},
		{"uppercase prefix", munin, func(d *delivery) { d.signature = "SHA256=" + d.signature[len("sha256="):] }, webhookverify.ErrMalformedSignature},
		{"uppercase hex", munin, func(d *delivery) { d.signature = "sha256=" + strings.ToUpper(d.signature[len("sha256="):]) }, nil},
		{"mixed-case hex", munin, func(d *delivery) { d.signature = mixCase(d.signature) }, nil},
		{"moveo uppercase hex", moveo, func(d *delivery) { d.signature = strings.ToUpper(d.signature) }, nil},
		{"leading space", munin, func(d *delivery) { d.signature = " " + d.signature }, webhookverify.ErrMalformedSignature},
		{"trailing space", munin, func(d *delivery) { d.signature += " " }, webhookverify.ErrMalformedSignature},
		{"trailing newline", munin, func(d *delivery) { d.signature += "\n" }, webhookverify.ErrMalformedSignature},
		{"space after prefix", munin, func(d *delivery) { d.signature = "sha256= " + d.signature[len("sha256="):] }, webhookverify.ErrMalformedSignature},
		{"moveo surrounding spaces", moveo, func(d *delivery) { d.signature = " " + d.signature + " " }, webhookverify.ErrMalformedSignature},
		{"signature of another body", munin, func(d *delivery) {
			d.signature = webhookverify.Sign([]byte(d.secret), []byte(`{"type":"conversation.created"}`))
		}, webhookverify.ErrSignatureMismatch},
		{"truncated body", munin, func(d *delivery) { d.body = d.body[:len(d.body)-1] }, webhookverify.ErrSignatureMismatch},
		{"body re-encoded with a trailing newline", munin, func(d *delivery) { d.body += "\n" }, webhookverify.ErrSignatureMismatch},
		{"empty body", munin, func(d *delivery) { d.body = "" }, webhookverify.ErrSignatureMismatch},
		{"another secret", munin, func(d *delivery) { d.secret = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, webhookverify.ErrSignatureMismatch},
		{"moveo another body", moveo, func(d *delivery) { d.body = "what do ya want for something?" }, webhookverify.ErrSignatureMismatch},
		{"one flipped digit", munin, func(d *delivery) { d.signature = d.signature[:len(d.signature)-1] + "0" }, webhookverify.ErrSignatureMismatch},
		{"bare hex to a prefixed-hex verifier", munin, func(d *delivery) { d.signature = d.signature[len("sha256="):] }, webhookverify.ErrMalformedSignature},
		{"prefixed hex to a bare-hex verifier", moveo, func(d *delivery) { d.signature = "sha256=" + d.signature }, webhookverify.ErrMalformedSignature},
	}
}

// mixCase upper-cases every other letter of the hex part.
func mixCase(sig string) string {
	b := []byte(sig)
	for i := len("sha256="); i < len(b); i += 2 {
		if 'a' <= b[i] && b[i] <= 'f' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// verifyDelivery checks d with a Verifier in d's encoding and, for the prefixed form, with the
// package-level Verify too, requiring both to agree.
func verifyDelivery(t *testing.T, d delivery) error {
	t.Helper()
	v, err := webhookverify.NewVerifier([][]byte{[]byte(d.secret)}, webhookverify.WithEncoding(d.encoding))
	require.NoError(t, err)
	got := v.Verify([]byte(d.body), d.signature)
	if d.encoding == webhookverify.PrefixedHex {
		require.Equal(t, got, webhookverify.Verify([]byte(d.secret), []byte(d.body), d.signature), "Verify and Verifier.Verify disagree")
	}
	return got
}

func TestVerify_BadInputs(t *testing.T) {
	for _, tc := range badInputCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.start()
			tc.mutate(&d)

			err := verifyDelivery(t, d)

			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
}
