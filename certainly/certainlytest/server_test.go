package certainlytest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

func TestConfigNeedsNoToken(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithBotID("4242"))
	r := do(t, s, "GET", "/webbot/api/webchat/4242/config/", "", "")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, map[string]any{"botId": "4242", "name": "certainlytest bot", "language": "en"}, r.JSON(t))
}

// The paths of certainly-api-notes.md end with a slash; without it
// nothing matches, as in Django without APPEND_SLASH.
func TestTrailingSlashIsPartOfThePath(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	for _, p := range []string{
		"/webbot/api/webchat/" + s.BotID() + "/config",
		"/webbot/api/webchat/" + s.BotID() + "/handover/u1",
		"/webbot/api/webchat/" + s.BotID() + "/takeover/u1",
		"/webbot/api/webchat/" + s.BotID() + "/handover/u1//",
		"/webbot/api/webchat/" + s.BotID() + "//u1/",
		"/webbot/api/webchat/" + s.BotID() + "/handover//",
		"/webbot/api/webchat/" + s.BotID() + "/unknown/u1/",
		"/webbot/api/webchat/" + s.BotID() + "/",
		"/webchat/" + s.BotID() + "/config/",
	} {
		r := do(t, s, "GET", p, bearer(s), "")
		assert.Equal(t, http.StatusNotFound, r.Status, p)
		assert.Equal(t, map[string]any{"detail": "Not found."}, r.JSON(t), p)
	}
	_, ok := s.User("u1")
	assert.False(t, ok, "a 404 creates no user")
	for _, req := range s.Requests() {
		assert.Empty(t, req.Route, req.Path)
	}
}

// Ids are escaped in the path (certainly.NewClient uses transport.Pathf):
// the fake splits the escaped path first and unescapes each segment, so
// an id holding "/", "?", a space or ".." is one id.
func TestIDsAreUnescapedPerSegment(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a/b", "who?x=1", "Jane Doe", "..", ".", "100%", "ünï", "a%2Fb"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			s := certainlytest.NewServer(t, certainlytest.WithBotID("bot/"+id))
			escaped := url.PathEscape(id)
			if id == "." || id == ".." {
				escaped = strings.Repeat("%2E", len(id))
			}
			p := certainlytest.DefaultPathPrefix + "/" + url.PathEscape("bot/"+id) + "/handover/" + escaped + "/"
			r := do(t, s, "GET", p, bearer(s), "")
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			assert.Equal(t, map[string]any{"botId": "bot/" + id, "userId": id, "mode": "listen"}, r.JSON(t))
			u, ok := s.User(id)
			require.True(t, ok)
			assert.Equal(t, certainlytest.ModeListen, u.Mode)
			req := s.Requests()[0]
			assert.Equal(t, id, req.UserID)
			assert.Equal(t, "bot/"+id, req.BotID)
			assert.Equal(t, certainlytest.RouteHandover, req.Route)
		})
	}
}

func TestWrongBotIDIsNotFound(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithBotID("111"))
	for _, r := range []reply{
		do(t, s, "GET", "/webbot/api/webchat/222/config/", "", ""),
		do(t, s, "GET", "/webbot/api/webchat/222/handover/u1/", bearer(s), ""),
		do(t, s, "POST", "/webbot/api/webchat/222/handover/u1/", bearer(s), `{"message":"hi"}`),
		do(t, s, "GET", "/webbot/api/webchat/222/takeover/u1/", bearer(s), ""),
	} {
		assert.Equal(t, http.StatusNotFound, r.Status)
		assert.Equal(t, map[string]any{"detail": "Not found."}, r.JSON(t))
	}
	assert.Empty(t, s.Users())
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithToken("tok-123"))
	notProvided := map[string]any{"detail": "Authentication credentials were not provided."}
	invalid := map[string]any{"detail": "Invalid token."}
	for _, tc := range []struct {
		name, auth string
		status     int
		body       map[string]any
	}{
		{"none", "", 401, notProvided},
		{"other scheme", "Token tok-123", 401, notProvided},
		{"scheme only", "bearer", 401, invalid},
		{"wrong token", "bearer tok-124", 401, invalid},
		{"prefix of the token", "bearer tok-12", 401, invalid},
		{"lowercase", "bearer tok-123", 200, nil},
		{"scheme in another case", "Bearer tok-123", 200, nil},
	} {
		for _, route := range []string{"handover", "takeover"} {
			r := do(t, s, "GET", path(s, route, "u1"), tc.auth, "")
			assert.Equal(t, tc.status, r.Status, "%s %s", tc.name, route)
			if tc.body != nil {
				assert.Equal(t, tc.body, r.JSON(t), tc.name)
				assert.Equal(t, `bearer realm="api"`, r.Header.Get("WWW-Authenticate"))
			}
		}
		r := do(t, s, "POST", path(s, "handover", "u1"), tc.auth, `{"message":"hi"}`)
		assert.Equal(t, tc.status, r.Status, "%s send", tc.name)
	}
	assert.Equal(t, []string{"hi", "hi"}, s.AgentMessages("u1"), "only the authorized messages were recorded")
}

func TestAuthSchemeOptions(t *testing.T) {
	t.Parallel()
	jwt := certainlytest.NewServer(t, certainlytest.WithAuthScheme("JWT"))
	assert.Equal(t, http.StatusOK, handoverWith(t, jwt, "jwt "+jwt.Token()).Status)
	assert.Equal(t, http.StatusUnauthorized, handoverWith(t, jwt, "bearer "+jwt.Token()).Status)

	open := certainlytest.NewServer(t, certainlytest.WithoutAuthorization())
	assert.Equal(t, http.StatusOK, handoverWith(t, open, "").Status)
	assert.Equal(t, http.StatusOK, handoverWith(t, open, "bearer whatever").Status)
}

func handoverWith(t *testing.T, s *certainlytest.Server, auth string) reply {
	t.Helper()
	return do(t, s, "GET", path(s, "handover", "u1"), auth, "")
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	for _, tc := range []struct{ method, kind, user, allow string }{
		{"POST", "config", "", "GET"},
		{"PUT", "handover", "u1", "GET, POST"},
		{"DELETE", "handover", "u1", "GET, POST"},
		{"POST", "takeover", "u1", "GET"},
	} {
		r := do(t, s, tc.method, path(s, tc.kind, tc.user), bearer(s), `{"message":"x"}`)
		assert.Equal(t, http.StatusMethodNotAllowed, r.Status, "%s %s", tc.method, tc.kind)
		assert.Equal(t, map[string]any{"detail": `Method "` + tc.method + `" not allowed.`}, r.JSON(t))
		assert.Equal(t, tc.allow, r.Header.Get("Allow"))
	}
	assert.Empty(t, s.AgentMessages("u1"))
}

func TestRequestsAreLoggedWithoutTheToken(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithClock(certainlytest.NewClock(t0)))
	handover(t, s, "u1")
	send(t, s, "u1", `{"message":"Hello from Agent!"}`)
	takeover(t, s, "u1", "?ClaimEnd=done")
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []string{"handover", "send", "takeover"}, []string{reqs[0].Route, reqs[1].Route, reqs[2].Route})
	assert.Equal(t, "POST", reqs[1].Method)
	assert.JSONEq(t, `{"message":"Hello from Agent!"}`, string(reqs[1].Body))
	assert.Equal(t, "done", reqs[2].Query.Get("ClaimEnd"))
	assert.Equal(t, path(s, "takeover", "u1"), reqs[2].Path)
	for _, req := range reqs {
		assert.Equal(t, http.StatusOK, req.Status)
		assert.Equal(t, t0, req.At)
		assert.Equal(t, "bearer [REDACTED]", req.Header.Get("Authorization"))
		assert.NotContains(t, fmt.Sprintf("%+v", req), s.Token())
	}

	// A token sent without its scheme is refused, and recorded as all
	// credential.
	r := do(t, s, "GET", path(s, "handover", "u1"), s.Token(), "")
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	last := s.Requests()[3]
	assert.Equal(t, "[REDACTED]", last.Header.Get("Authorization"))
	assert.NotContains(t, fmt.Sprintf("%+v", last), s.Token())
}

func TestServerNeverPrintsItsToken(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t, certainlytest.WithToken("super-secret-token"), certainlytest.WithBotID("77"))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, s)
		assert.NotContains(t, out, "super-secret-token", verb)
		assert.Contains(t, out, "[REDACTED]", verb)
		assert.Contains(t, out, `"77"`, verb)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := certainlytest.NewServer(t)
	assert.Regexp(t, `^[0-9a-f]{40}$`, s.Token())
	assert.Regexp(t, `^[0-9]{6}$`, s.BotID())
	assert.Regexp(t, `^[0-9]{6}$`, s.ModuleID())
	assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"))
	assert.NotNil(t, s.Clock())
	other := certainlytest.NewServer(t)
	assert.NotEqual(t, s.Token(), other.Token())
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opt  certainlytest.Option
		want string
	}{
		"nil":              {nil, "nil Option"},
		"empty token":      {certainlytest.WithToken(""), "WithToken: token is empty"},
		"token with space": {certainlytest.WithToken("a b"), "WithToken: token holds a space"},
		"empty bot id":     {certainlytest.WithBotID(""), "WithBotID: bot id is empty"},
		"control bot id":   {certainlytest.WithBotID("a\nb"), "WithBotID: bot id holds a control character"},
		"bad utf8 bot id":  {certainlytest.WithBotID("\xff"), "WithBotID: bot id is not valid UTF-8"},
		"empty scheme":     {certainlytest.WithAuthScheme(""), "WithAuthScheme: scheme is empty"},
		"claim URL":        {certainlytest.WithWebhooks("ftp://x", "", nil), "WithWebhooks: claimURL is not an absolute"},
		"message URL":      {certainlytest.WithWebhooks("", "/relative", nil), "WithWebhooks: messageURL is not an absolute"},
		"bot":              {certainlytest.WithBot(nil), "WithBot: nil Bot"},
		"clock":            {certainlytest.WithClock(nil), "WithClock: nil clock"},
		"timeout":          {certainlytest.WithDeliveryTimeout(0), "WithDeliveryTimeout"},
		"client":           {certainlytest.WithDeliveryClient(nil), "WithDeliveryClient"},
		"latency":          {certainlytest.WithLatency(-1), "WithLatency"},
	} {
		s, err := certainlytest.New(tc.opt)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.want, name)
		} else {
			s.Close()
		}
	}
}

// New serves a program without a testing.TB; Close is safe twice and
// refuses the fake's own calls afterwards.
func TestNewAndClose(t *testing.T) {
	t.Parallel()
	s, err := certainlytest.New()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, do(t, s, "GET", path(s, "config", ""), "", "").Status)
	s.Close()
	s.Close()
	_, err = s.UserSays(ctx(t), "u1", "hi")
	assert.ErrorIs(t, err, certainlytest.ErrClosed)
	assert.ErrorIs(t, s.UserAsksForHuman(ctx(t), "u1"), certainlytest.ErrClosed)
	assert.ErrorIs(t, s.WaitMode(ctx(t), "u1", certainlytest.ModeListen), certainlytest.ErrClosed)
	_, err = s.Client().Get(s.URL + path(s, "config", ""))
	assert.Error(t, err, "no request is served after Close")
}
