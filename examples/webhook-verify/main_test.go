package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/moveo/moveotest"
	"github.com/botbridge/botbridge/webhookverify"
)

func TestSelfTestShowsEachSchemeRefusingForgeries(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	for _, vendor := range []string{"Munin", "Moveo"} {
		i := strings.Index(out, vendor+": POST ")
		require.GreaterOrEqual(t, i, 0, out)
		block := out[i:]
		assert.Regexp(t, `genuine delivery +→ 204 No Content, reached the handler`, block)
		for _, forged := range []string{"body changed after signing", "no signature header", "signed with another secret"} {
			assert.Regexp(t, regexp.QuoteMeta(forged)+` +→ 401 Unauthorized, refused before the handler`, block)
		}
	}
	assert.Contains(t, out, "OK: only the genuine deliveries reached the handlers.")
	assert.NotContains(t, out, "whsec_")
}

func TestServeVerifiesWithTheSecretsFromTheEnvironment(t *testing.T) {
	const muninSecret, moveoSecret = "whsec_from-the-environment-0000000000", "moveo-secret-from-the-environment"
	t.Setenv("MUNIN_WEBHOOK_SECRET", muninSecret)
	t.Setenv("MOVEO_WEBHOOK_SECRET", moveoSecret)
	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0")
	banner := srv.Output()
	url := func(path string) string {
		m := regexp.MustCompile(`POST (http://\S+` + path + `)`).FindStringSubmatch(banner)
		require.NotNil(t, m, banner)
		return m[1]
	}
	body := []byte(`{"type":"message:send","id":"ev_1"}`)
	ctxPost := t.Context()
	status, err := post(ctxPost, url("/webhooks/munin"), "X-Munin-Signature", webhookverify.Sign([]byte(muninSecret), body), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, status)
	status, err = post(ctxPost, url("/webhooks/moveo"), "X-Moveo-Signature", moveotest.Sign(moveoSecret, body), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, status)
	status, err = post(ctxPost, url("/webhooks/moveo"), "X-Moveo-Signature", moveotest.Sign("another secret", body), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)

	require.NoError(t, srv.Stop())
	out := srv.Output()
	assert.Equal(t, 2, strings.Count(out, "verified delivery, 35 bytes"), out)
	assert.NotContains(t, out, muninSecret)
	assert.NotContains(t, out, moveoSecret)
}

func TestServeNeedsASecret(t *testing.T) {
	t.Setenv("MUNIN_WEBHOOK_SECRET", "")
	t.Setenv("MOVEO_WEBHOOK_SECRET", "")
	stdout, _, err := demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no secret set")
	assert.Contains(t, stdout, "MUNIN_WEBHOOK_SECRET is not set")
}

func TestBadFlag(t *testing.T) {
	t.Parallel()
	_, stderr, err := demotest.RunErr(t, run, "-secret", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "never from flags")
}
