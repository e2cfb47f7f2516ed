package webhookverify_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// raceEnabled is set by race_test.go. sync.Pool drops items at random under the race detector, so
// allocation counts are only meaningful without it.
var raceEnabled bool

func TestNewVerifier_RefusesEmptySecrets(t *testing.T) {
	for name, secrets := range map[string][][]byte{
		"nil list":             nil,
		"empty list":           {},
		"nil secret":           {nil},
		"empty secret":         {[]byte{}},
		"empty secret after a": {[]byte(muninSecret), []byte("")},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := webhookverify.NewVerifier(secrets)

			assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
			assert.Nil(t, v)
		})
	}
}

func TestNewVerifier_UnknownEncoding(t *testing.T) {
	for _, e := range []webhookverify.Encoding{-1, 2, 99} {
		v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)}, webhookverify.WithEncoding(e))

		assert.Error(t, err, "encoding %d", int(e))
		assert.Nil(t, v)
	}
}

func TestNewVerifier_OptionError(t *testing.T) {
	boom := errors.New("boom")
	_, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)}, func(*webhookverify.Verifier) error { return boom })

	assert.ErrorIs(t, err, boom)
}

func TestNewVerifier_NilOptionIgnored(t *testing.T) {
	v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)}, nil)
	require.NoError(t, err)

	assert.NoError(t, v.Verify([]byte(muninBody), muninSignature))
}

func TestNewVerifier_CopiesSecrets(t *testing.T) {
	secret := []byte(muninSecret)
	secrets := [][]byte{secret}
	v, err := webhookverify.NewVerifier(secrets)
	require.NoError(t, err)

	// The caller wipes its secret and reuses the list.
	for i := range secret {
		secret[i] = 'x'
	}
	secrets[0] = []byte("whsec_replaced")

	assert.NoError(t, v.Verify([]byte(muninBody), muninSignature))
	assert.Equal(t, muninSignature, v.Sign([]byte(muninBody)))
	// Enough verifications to have the pool build fresh states from its own copy.
	for range 100 {
		require.NoError(t, v.Verify([]byte(muninBody), muninSignature))
	}
}

func TestEncoding_String(t *testing.T) {
	assert.Equal(t, "sha256=hex", webhookverify.PrefixedHex.String())
	assert.Equal(t, "hex", webhookverify.BareHex.String())
	assert.Equal(t, "webhookverify.Encoding(7)", webhookverify.Encoding(7).String())
}

func TestVerifier_Rotation(t *testing.T) {
	newSecret := []byte("whsec_NEWNEWNEWNEWNEWNEWNEWNEWNEWNEWNE")
	oldSecret := []byte(muninSecret)
	thirdSecret := []byte("whsec_THIRDTHIRDTHIRDTHIRDTHIRDTHIRD")
	body := []byte(muninBody)
	v, err := webhookverify.NewVerifier([][]byte{newSecret, oldSecret})
	require.NoError(t, err)

	assert.NoError(t, v.Verify(body, webhookverify.Sign(newSecret, body)), "new secret")
	assert.NoError(t, v.Verify(body, webhookverify.Sign(oldSecret, body)), "old secret")
	assert.ErrorIs(t, v.Verify(body, webhookverify.Sign(thirdSecret, body)), webhookverify.ErrSignatureMismatch, "third secret")
	assert.Equal(t, webhookverify.Sign(newSecret, body), v.Sign(body), "Sign uses the first secret")
}

func TestVerifier_RotationBareHex(t *testing.T) {
	newSecret, oldSecret := []byte("moveo-new-secret"), []byte(rfc4231Key)
	v, err := webhookverify.NewVerifier([][]byte{newSecret, oldSecret}, webhookverify.WithEncoding(webhookverify.BareHex))
	require.NoError(t, err)

	assert.NoError(t, v.Verify([]byte(rfc4231Data), rfc4231MAC))
	assert.NoError(t, v.Verify([]byte(rfc4231Data), strings.TrimPrefix(webhookverify.Sign(newSecret, []byte(rfc4231Data)), "sha256=")))
	assert.NotEqual(t, rfc4231MAC, v.Sign([]byte(rfc4231Data)), "Sign uses the first secret")
}

func TestVerifier_ZeroValueRefusesEverything(t *testing.T) {
	var nilVerifier *webhookverify.Verifier
	for name, v := range map[string]*webhookverify.Verifier{"nil": nilVerifier, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, v.Verify([]byte(muninBody), muninSignature), webhookverify.ErrEmptySecret)
			assert.ErrorIs(t, v.Verify(nil, ""), webhookverify.ErrEmptySecret)
			assert.Empty(t, v.Sign([]byte(muninBody)))
			assert.NotPanics(t, func() { _ = v.String() + fmt.Sprintf("%#v", v) })
		})
	}
}

func TestVerifier_PrintsNoSecret(t *testing.T) {
	v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret), []byte(githubSecret)})
	require.NoError(t, err)
	require.NoError(t, v.Verify([]byte(muninBody), muninSignature)) // leaves used states in the pool

	assert.Equal(t, "webhookverify.Verifier{encoding: sha256=hex, secrets: 2}", v.String())

	// A user's config struct that holds the Verifier by value in an unexported field: fmt cannot
	// call its methods there and walks the fields by reflection instead.
	type config struct {
		name     string
		verifier webhookverify.Verifier
		ptr      *webhookverify.Verifier
	}
	values := map[string]any{
		"*Verifier":       v,
		"Verifier":        *v,
		"[]*Verifier":     []*webhookverify.Verifier{v},
		"struct field":    config{name: "munin", verifier: *v, ptr: v},
		"struct pointer":  &config{name: "munin", verifier: *v, ptr: v},
		"nil *Verifier":   (*webhookverify.Verifier)(nil),
		"map of Verifier": map[string]webhookverify.Verifier{"munin": *v},
	}
	for name, value := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(verb, value)
			assertNoSecretMaterial(t, out, name+" "+verb)
		}
	}
	assert.Equal(t, v.String(), fmt.Sprintf("%v", *v))
	assert.Equal(t, v.String(), fmt.Sprintf("%#v", v))
}

// assertNoSecretMaterial fails if out contains any secret, signature or MAC of the test vectors,
// as text, in hex or (for the secrets) as fmt's rendering of a byte slice.
func assertNoSecretMaterial(t *testing.T, out, msgAndArgs string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, secret := range []string{muninSecret, githubSecret, rfc4231Key} {
		assert.NotContains(t, out, secret, msgAndArgs)
		assert.NotContains(t, lower, fmt.Sprintf("%x", secret), msgAndArgs)
		assert.NotContains(t, out, strings.Trim(fmt.Sprint([]byte(secret)), "[]"), msgAndArgs)
	}
	for _, sig := range []string{muninSignature, githubSignature, "sha256=" + rfc4231MAC} {
		assert.NotContains(t, lower, sig[len("sha256="):len("sha256=")+16], msgAndArgs)
	}
}

func TestVerify_ErrorsCarryNoSecretMaterial(t *testing.T) {
	for _, tc := range badInputCases() {
		d := tc.start()
		tc.mutate(&d)
		err := verifyDelivery(t, d)
		if err == nil {
			continue
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoSecretMaterial(t, fmt.Sprintf(verb, err), tc.name+" "+verb)
		}
		assert.True(t, strings.HasPrefix(err.Error(), "webhookverify: "), tc.name)
		if len(d.signature) > 8 {
			assert.NotContains(t, err.Error(), strings.TrimSpace(d.signature)[8:], tc.name)
		}
	}
}

func TestVerifier_Concurrent(t *testing.T) {
	oldSecret := []byte(githubSecret)
	v, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret), oldSecret})
	require.NoError(t, err)
	bodies := []string{muninBody, githubPayload, "", strings.Repeat("x", 5000)}

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				body := []byte(bodies[(g+i)%len(bodies)])
				switch i % 3 {
				case 0:
					assert.NoError(t, v.Verify(body, v.Sign(body)))
				case 1:
					assert.NoError(t, v.Verify(body, webhookverify.Sign(oldSecret, body)))
				case 2:
					assert.ErrorIs(t, v.Verify(body, webhookverify.Sign([]byte("whsec_other"), body)), webhookverify.ErrSignatureMismatch)
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifier_VerifyDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	v, err := webhookverify.NewVerifier([][]byte{[]byte("whsec_NEWNEWNEWNEWNEWNEWNEWNEWNEWNEWNE"), []byte(muninSecret)})
	require.NoError(t, err)
	body := []byte(muninBody)
	upper := "sha256=" + strings.ToUpper(muninSignature[len("sha256="):])

	for name, tc := range map[string]struct {
		sig  string
		want error
	}{
		"match on the second secret": {muninSignature, nil},
		"match, uppercase hex":       {upper, nil},
		"mismatch":                   {v.Sign([]byte("other")), webhookverify.ErrSignatureMismatch},
		"malformed":                  {"sha256=zz", webhookverify.ErrMalformedSignature},
		"missing":                    {"", webhookverify.ErrMissingSignature},
	} {
		var got error
		allocs := testing.AllocsPerRun(1000, func() { got = v.Verify(body, tc.sig) })

		assert.Zero(t, allocs, name)
		assert.ErrorIs(t, got, tc.want, name)
	}
}

// TestNewVerifier_FIPS140OnlyShortSecret runs itself again under GODEBUG=fips140=only, where
// crypto/hmac panics on keys shorter than 112 bits, and checks that the package reports an error
// instead of passing the panic on.
func TestNewVerifier_FIPS140OnlyShortSecret(t *testing.T) {
	if os.Getenv("WEBHOOKVERIFY_FIPS_CHILD") == "1" {
		short := []byte(rfc4231Key)
		v, err := webhookverify.NewVerifier([][]byte{short})
		assert.Error(t, err)
		assert.NotErrorIs(t, err, webhookverify.ErrEmptySecret)
		assert.Nil(t, v)
		assert.Empty(t, webhookverify.Sign(short, []byte(rfc4231Data)))
		err = webhookverify.Verify(short, []byte(rfc4231Data), "sha256="+rfc4231MAC)
		assert.Error(t, err)
		assert.NotErrorIs(t, err, webhookverify.ErrSignatureMismatch)

		long, err := webhookverify.NewVerifier([][]byte{[]byte(muninSecret)})
		require.NoError(t, err)
		assert.NoError(t, long.Verify([]byte(muninBody), muninSignature))
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestNewVerifier_FIPS140OnlyShortSecret$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", "WEBHOOKVERIFY_FIPS_CHILD=1")
	out, err := cmd.CombinedOutput()

	require.NoError(t, err, "child output:\n%s", out)
	assert.Contains(t, string(out), "--- PASS: TestNewVerifier_FIPS140OnlyShortSecret")
}
