package certainlytest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The HTTP front door every request goes through: body limit, the request
// log, latency, routing on the escaped path, fault injection, the
// Authorization check, the bot deployment id, then the route's handler.

// DefaultPathPrefix is the prefix of every route, as Certainly's chat REST
// API spells it (certainly-api-notes.md).
const DefaultPathPrefix = "/webbot/api/webchat"

// Route names, for FailNext and Request.Route. The paths are under
// DefaultPathPrefix and end with a slash.
const (
	RouteConfig   = "config"   // GET {botId}/config/: the chat configuration (no token needed)
	RouteHandover = "handover" // GET {botId}/handover/{userId}/: the bot goes to listen mode
	RouteSend     = "send"     // POST {botId}/handover/{userId}/ {"message": …}: an agent message
	RouteTakeover = "takeover" // GET {botId}/takeover/{userId}/[?ClaimEnd=…]: the bot resumes
)

// maxBodyBytes caps request bodies; Certainly documents no limit.
const maxBodyBytes = 1 << 20

// call is one routed request as a handler sees it.
type call struct {
	r      *http.Request
	body   []byte
	route  string
	botID  string // unescaped from the path
	userID string // unescaped from the path; "" for config
}

// apiError is an error answer with Django REST framework's body,
// {"detail": "…"}.
type apiError struct {
	status int
	detail string
	header http.Header // extra headers, such as WWW-Authenticate
}

func (e *apiError) Error() string { return e.detail }

type detailBody struct {
	Detail string `json:"detail"`
}

var errNotFound = &apiError{status: http.StatusNotFound, detail: "Not found."}

// route resolves an escaped path and a method to a route. It splits the
// path on "/" before unescaping each segment, so an id holding an escaped
// "/" stays one segment. Without the trailing slash nothing matches, as in
// Django without APPEND_SLASH.
func route(method, escapedPath string) (c call, err *apiError) {
	kind, botID, userID, ok := parsePath(escapedPath)
	if !ok {
		return call{}, errNotFound
	}
	want := http.MethodGet
	switch {
	case kind == RouteHandover && method == http.MethodPost:
		kind, want = RouteSend, http.MethodPost
	case kind == RouteHandover:
		want = "GET, POST"
	}
	if method != http.MethodGet && !(kind == RouteSend && method == http.MethodPost) {
		return call{}, &apiError{
			status: http.StatusMethodNotAllowed,
			detail: `Method "` + method + `" not allowed.`,
			header: http.Header{"Allow": {want}},
		}
	}
	return call{route: kind, botID: botID, userID: userID}, nil
}

// parsePath splits an escaped path under DefaultPathPrefix into the route's
// path kind (RouteConfig, RouteHandover or RouteTakeover) and its unescaped
// ids. Every segment must unescape to something non-empty.
func parsePath(escaped string) (kind, botID, userID string, ok bool) {
	rest, found := strings.CutPrefix(escaped, DefaultPathPrefix+"/")
	if !found {
		return "", "", "", false
	}
	rest, found = strings.CutSuffix(rest, "/")
	if !found {
		return "", "", "", false
	}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		v, err := url.PathUnescape(seg)
		if err != nil || v == "" {
			return "", "", "", false
		}
		segs[i] = v
	}
	switch {
	case len(segs) == 2 && segs[1] == RouteConfig:
		return RouteConfig, segs[0], "", true
	case len(segs) == 3 && (segs[1] == RouteHandover || segs[1] == RouteTakeover):
		return segs[1], segs[0], segs[2], true
	}
	return "", "", "", false
}

// serveHTTP is the server's one handler.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	c, routeErr := route(r.Method, r.URL.EscapedPath())
	rec := s.log.Append(newRequest(r, c, body, s.clock.Now()))
	if readErr != nil {
		var tooBig *http.MaxBytesError
		if errors.As(readErr, &tooBig) {
			s.finish(rec, writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, detail: "Request body too large."}))
			return
		}
		s.finish(rec, 0)
		panic(http.ErrAbortHandler) // the client broke off: no answer
	}
	if err := fakeserver.Sleep(r.Context(), s.cfg.Latency); err != nil {
		s.finish(rec, 0)
		panic(http.ErrAbortHandler) // Close or the client ended it
	}
	if routeErr != nil {
		s.finish(rec, writeError(w, routeErr))
		return
	}
	c.r, c.body = r, body
	if status, ok := s.faults.Take(c.route, nil); ok {
		s.finish(rec, writeError(w, &apiError{status: status, detail: "injected fault"}))
		return
	}
	if c.route != RouteConfig {
		if err := s.authorize(r); err != nil {
			s.finish(rec, writeError(w, err))
			return
		}
	}
	if c.botID != s.botID {
		s.finish(rec, writeError(w, errNotFound))
		return
	}
	var (
		status int
		v      any
		err    *apiError
	)
	switch c.route {
	case RouteConfig:
		status, v = http.StatusOK, s.chatConfig()
	case RouteHandover:
		status, v = s.handover(&c)
	case RouteSend:
		status, v, err = s.agentMessage(&c)
	case RouteTakeover:
		status, v = s.takeover(&c)
	}
	if err != nil {
		s.finish(rec, writeError(w, err))
		return
	}
	s.finish(rec, writeJSON(w, status, v))
}

// authorize checks "Authorization: <scheme> <token>". As in Django REST
// framework, a header with another scheme counts as no credential.
func (s *Server) authorize(r *http.Request) *apiError {
	if s.cfg.noAuth {
		return nil
	}
	unauthorized := func(detail string) *apiError {
		return &apiError{
			status: http.StatusUnauthorized, detail: detail,
			header: http.Header{"Www-Authenticate": {s.cfg.authScheme + ` realm="api"`}},
		}
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, s.cfg.authScheme) {
		return unauthorized("Authentication credentials were not provided.")
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.token)) != 1 {
		return unauthorized("Invalid token.")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"A server error occurred."}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return status
}

func writeError(w http.ResponseWriter, e *apiError) int {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	return writeJSON(w, e.status, detailBody{e.detail})
}

// finish records the answer's status and logs the request.
func (s *Server) finish(rec *Request, status int) {
	s.log.Update(func() { rec.Status = status })
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "certainlytest request",
		slog.String("method", rec.Method), slog.String("path", rec.Path),
		slog.String("route", rec.Route), slog.Int("status", status))
}
