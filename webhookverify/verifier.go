package webhookverify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"strconv"
	"sync"
)

// Encoding is how a vendor writes the HMAC-SHA256 in its signature header.
type Encoding int

const (
	// PrefixedHex is "sha256=<64 hex>", as sent by Munin in x-munin-signature
	// (munin-api-reference 3.2) and by GitHub. It is the default.
	PrefixedHex Encoding = iota

	// BareHex is "<64 hex>" with no prefix, as sent by Moveo in X-Moveo-Signature
	// (moveo-api-notes, "Webhook security").
	BareHex
)

// String returns the shape of the encoding ("sha256=hex" or "hex"), for logs and Verifier.String.
func (e Encoding) String() string {
	switch e {
	case PrefixedHex:
		return "sha256=hex"
	case BareHex:
		return "hex"
	}
	return "webhookverify.Encoding(" + strconv.Itoa(int(e)) + ")"
}

// Option configures a Verifier in NewVerifier. An Option that returns an error makes NewVerifier fail.
type Option func(*Verifier) error

// WithEncoding sets the signature encoding the Verifier accepts and Verifier.Sign produces. A value
// other than PrefixedHex or BareHex makes NewVerifier fail rather than guess.
func WithEncoding(e Encoding) Option {
	return func(v *Verifier) error {
		if e != PrefixedHex && e != BareHex {
			return fmt.Errorf("webhookverify: unknown signature encoding %d", int(e))
		}
		v.enc = e
		return nil
	}
}

// Verifier checks webhook signatures against one or more secrets. Build it once with NewVerifier and
// share it: it is safe for concurrent use, and Verify does not allocate.
//
// A Verifier prints as a summary (encoding and number of secrets) under every fmt verb; no secret
// byte is reachable through fmt, even by reflection.
type Verifier struct {
	enc  Encoding
	keys []*keyedMAC // in the caller's order; keys[0] signs
}

// keyedMAC pools HMAC states for one secret. The secret is held only by the pool's New function and
// inside the states, both behind pointers that fmt does not follow, which is what keeps a Verifier
// embedded in a user's struct from printing it.
type keyedMAC struct {
	pool sync.Pool // of *macState
}

// macState is one pooled HMAC with a scratch array for its sum, so that Sum(sum[:0]) has the room
// it needs and the hot path makes no allocation.
type macState struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

// NewVerifier returns a Verifier that accepts a signature made by any of secrets. To rotate a secret
// without refusing deliveries, list the new secret first and keep the old one until the vendor signs
// only with the new. Each secret is copied, so the caller may reuse or wipe its slices.
//
// A nil or empty list, or any empty secret, gives ErrEmptySecret: an empty secret never means
// "skip verification".
func NewVerifier(secrets [][]byte, opts ...Option) (*Verifier, error) {
	v := &Verifier{enc: PrefixedHex}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(v); err != nil {
			return nil, err
		}
	}
	if len(secrets) == 0 {
		return nil, ErrEmptySecret
	}
	v.keys = make([]*keyedMAC, 0, len(secrets))
	for _, secret := range secrets {
		k, err := newKeyedMAC(secret)
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
	}
	return v, nil
}

func newKeyedMAC(secret []byte) (*keyedMAC, error) {
	// Building the first state here surfaces an empty or refused secret now rather than in the
	// pool's New function, which cannot report an error.
	mac, err := newMAC(secret)
	if err != nil {
		return nil, err
	}
	key := bytes.Clone(secret)
	k := &keyedMAC{}
	k.pool.New = func() any { return newMACState(hmac.New(sha256.New, key)) }
	k.pool.Put(newMACState(mac))
	return k, nil
}

func newMACState(mac hash.Hash) *macState {
	// crypto/hmac's first Reset snapshots the hash states after the inner and outer key pads, after
	// which every Reset and Sum restores a snapshot instead of hashing two extra blocks. Taking that
	// one-time allocation here keeps it off the verification path.
	mac.Reset()
	return &macState{mac: mac}
}

// sum writes the HMAC of payload into dst.
func (k *keyedMAC) sum(payload []byte, dst *[sha256.Size]byte) {
	st := k.pool.Get().(*macState)
	st.mac.Reset()
	st.mac.Write(payload)
	copy(dst[:], st.mac.Sum(st.sum[:0]))
	k.pool.Put(st)
}

// Verify reports whether signature, in v's encoding, is the HMAC-SHA256 of payload under any of v's
// secrets. It returns nil, ErrMissingSignature, ErrMalformedSignature or ErrSignatureMismatch (and
// ErrEmptySecret on a Verifier not made by NewVerifier). Hex digits may be in either case; surrounding
// whitespace is malformed. The MACs are compared as bytes with hmac.Equal, in constant time.
func (v *Verifier) Verify(payload []byte, signature string) error {
	if v == nil || len(v.keys) == 0 {
		return ErrEmptySecret
	}
	var want [sha256.Size]byte
	if err := decodeSignature(v.enc, signature, &want); err != nil {
		return err
	}
	return v.verifyDecoded(payload, &want)
}

func (v *Verifier) verifyDecoded(payload []byte, want *[sha256.Size]byte) error {
	var got [sha256.Size]byte
	for _, k := range v.keys {
		k.sum(payload, &got)
		if hmac.Equal(got[:], want[:]) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// Sign returns the signature of payload under v's first secret, in v's encoding: the header value a
// vendor would send. Fakes and tests use it to produce deliveries. A Verifier not made by NewVerifier
// has no secret and gives "".
func (v *Verifier) Sign(payload []byte) string {
	if v == nil || len(v.keys) == 0 {
		return ""
	}
	var sum [sha256.Size]byte
	v.keys[0].sum(payload, &sum)
	return formatSignature(v.enc, sum[:])
}

// String describes v without any secret, e.g.
// "webhookverify.Verifier{encoding: sha256=hex, secrets: 2}".
func (v *Verifier) String() string {
	if v == nil {
		return "webhookverify.Verifier(nil)"
	}
	return "webhookverify.Verifier{encoding: " + v.enc.String() + ", secrets: " + strconv.Itoa(len(v.keys)) + "}"
}

// Format implements fmt.Formatter so that every verb, %#v included, prints the String summary rather
// than the fields (which hold only pointers, never a secret). The receiver is a value so that both
// Verifier and *Verifier use it.
func (v Verifier) Format(f fmt.State, _ rune) {
	io.WriteString(f, v.String())
}
