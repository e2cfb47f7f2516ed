package webhookverify_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"testing"

	"github.com/botbridge/botbridge/webhookverify"
)

// benchSizes are typical webhook bodies: a small event, a large one, and one far past any
// documented event.
var benchSizes = []struct {
	name string
	size int
}{
	{"size=256B", 256},
	{"size=4KiB", 4 << 10},
	{"size=64KiB", 64 << 10},
}

func benchBody(size int) []byte {
	return bytes.Repeat([]byte(muninBody), size/len(muninBody)+1)[:size]
}

// BenchmarkVerify should stay within 15% of BenchmarkSHA256Floor at 4 KiB, with no allocation: an
// HMAC costs one more block than a plain hash once the key pads are precomputed.
func BenchmarkVerify(b *testing.B) {
	v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)})
	if err != nil {
		b.Fatal(err)
	}
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			body := benchBody(bs.size)
			signature := v.Sign(body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(body, signature); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSHA256Floor is the cost of hashing the same bodies once: no verifier can beat it.
func BenchmarkSHA256Floor(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			body := benchBody(bs.size)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				sha256.Sum256(body)
			}
		})
	}
}

// BenchmarkBearerToken is the credential check an AltaBots or Certainly handler runs on every call.
func BenchmarkBearerToken(b *testing.B) {
	a, err := webhookverify.BearerToken("new-desk-token-0123456789", "old-desk-token-0123456789")
	if err != nil {
		b.Fatal(err)
	}
	r := &http.Request{Header: http.Header{"Authorization": {"Bearer old-desk-token-0123456789"}}}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}
