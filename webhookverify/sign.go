package webhookverify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// signaturePrefix names the algorithm in Munin's x-munin-signature header (munin-api-reference 3.2)
// and in GitHub's X-Hub-Signature-256. It is matched exactly: the vendors only ever send lowercase.
const signaturePrefix = "sha256="

// Sign returns "sha256=" followed by the lowercase hex HMAC-SHA256 of payload keyed with secret: the
// value Munin sends in x-munin-signature (munin-api-reference 3.2). For Munin the key is the whole
// secret string as issued, "whsec_" prefix included and not base64-decoded.
//
// An empty secret, or one crypto/hmac refuses (under GODEBUG=fips140=only, one shorter than 14
// bytes), gives "", just as the vendors send no signature header when no secret is configured;
// Verify refuses such a secret, so nothing signed that way ever verifies.
func Sign(secret, payload []byte) string {
	mac, err := newMAC(secret)
	if err != nil {
		return ""
	}
	mac.Write(payload)
	var sum [sha256.Size]byte
	return formatSignature(PrefixedHex, mac.Sum(sum[:0]))
}

// Verify reports whether signature, in the "sha256=<64 hex>" form, is the HMAC-SHA256 of payload
// keyed with secret. It returns nil, ErrEmptySecret, ErrMissingSignature, ErrMalformedSignature or
// ErrSignatureMismatch (or, under GODEBUG=fips140=only, the error for a secret crypto/hmac refuses).
// Hex digits may be in either case; the prefix may not, and surrounding
// whitespace is malformed (net/http has already trimmed header values).
//
// Verify builds a fresh HMAC on every call. A receiver that verifies many deliveries, rotates keys or
// takes Moveo's bare hex should build a Verifier once instead.
func Verify(secret, payload []byte, signature string) error {
	mac, err := newMAC(secret)
	if err != nil {
		return err
	}
	var want [sha256.Size]byte
	if err := decodeSignature(PrefixedHex, signature, &want); err != nil {
		return err
	}
	mac.Write(payload)
	var got [sha256.Size]byte
	if !hmac.Equal(mac.Sum(got[:0]), want[:]) {
		return ErrSignatureMismatch
	}
	return nil
}

// newMAC is hmac.New keyed with secret. It refuses an empty secret, and it turns the panic that
// crypto/hmac raises for keys under 112 bits when GODEBUG=fips140=only into an error, so that a short
// secret fails configuration instead of crashing a server.
func newMAC(secret []byte) (mac hash.Hash, err error) {
	if len(secret) == 0 {
		return nil, ErrEmptySecret
	}
	defer func() {
		if r := recover(); r != nil {
			mac, err = nil, fmt.Errorf("webhookverify: crypto/hmac refused the secret: %v", r)
		}
	}()
	return hmac.New(sha256.New, secret), nil
}

// formatSignature renders sum in enc. It builds the text in one fixed array so that the string
// conversion is the only allocation.
func formatSignature(enc Encoding, sum []byte) string {
	var buf [len(signaturePrefix) + 2*sha256.Size]byte
	n := 0
	if enc == PrefixedHex {
		n = copy(buf[:], signaturePrefix)
	}
	n += hex.Encode(buf[n:], sum)
	return string(buf[:n])
}

// decodeSignature parses signature in enc into dst. It decodes the hex by hand because hex.Decode
// wants a []byte, and converting the header string would allocate on every verification.
func decodeSignature(enc Encoding, signature string, dst *[sha256.Size]byte) error {
	if signature == "" {
		return ErrMissingSignature
	}
	if enc == PrefixedHex {
		if !strings.HasPrefix(signature, signaturePrefix) {
			return ErrMalformedSignature
		}
		signature = signature[len(signaturePrefix):]
	}
	if len(signature) != 2*len(dst) {
		return ErrMalformedSignature
	}
	var bad byte
	for i := range dst {
		hi, lo := hexValue[signature[2*i]], hexValue[signature[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	if bad&invalidHex != 0 {
		return ErrMalformedSignature
	}
	return nil
}

// invalidHex marks a byte that is not a hex digit in hexValue; valid digits are 0-15, so the bit
// survives OR-ing all the digits of a signature together and the loop needs no branch per digit.
const invalidHex = 0x10

// hexValue maps a byte to its hex digit value, in either case: Munin and Moveo document lowercase, but
// hex is case-insensitive and a proxy or test tool that upper-cases it has not changed the MAC.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = invalidHex
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
		t[c-'a'+'A'] = c - 'a' + 10
	}
	return t
}()
