package munintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The HTTP front door every route goes through: request id, body limit,
// the request log, latency, fault injection and CORS, then the route's
// handler into a buffer so that a fault injected after processing can
// replace the answer.

// maxBodyBytes is Munin's JSON body limit (munin-api-reference.md §1).
const maxBodyBytes = 4 << 20

// requestIDPattern is what Munin echoes from a client's X-Request-Id (§7).
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// call is one request as a handler sees it.
type call struct {
	s      *Server
	r      *http.Request
	body   []byte
	route  string
	header http.Header // extra response headers (rate-limit headers)
}

// input decodes the JSON body; present is false when there is none.
func (c *call) input() (x any, present bool) { return decodeJSON(c.body) }

// jsonHandler answers with a status and a value to encode, or an error.
type jsonHandler func(c *call) (status int, v any, err error)

// buffer collects a handler's answer.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBuffer() *buffer { return &buffer{header: http.Header{}} }

func (b *buffer) Header() http.Header { return b.header }

func (b *buffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *buffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// Flush lets streaming handlers (the MCP SDK's SSE) write into the buffer.
func (b *buffer) Flush() {}

// route registers h for pattern, a net/http pattern such as
// "POST /v1/conversations/{id}/messages". Its route name for FailNext and
// Requests is the same with ":id" for "{id}".
func (s *Server) route(pattern string, h http.Handler) {
	name := routeName(pattern)
	if strings.Contains(name, " ") { // the catch-all "/" is no route to fail
		s.routes[fakeserver.CanonicalRoute(name)] = name
	}
	s.mux.Handle(pattern, s.frontDoor(name, h))
}

// routeJSON registers a jsonHandler.
func (s *Server) routeJSON(pattern string, h jsonHandler) {
	s.route(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		status, v, err := s.runJSON(h, c)
		for k, vs := range c.header {
			w.Header()[k] = vs
		}
		if err != nil {
			s.writeError(w, asAPIError(err))
			return
		}
		writeJSON(w, status, v)
	}))
}

// runJSON runs h, turning a panic into Munin's 500 and a test failure.
func (s *Server) runJSON(h jsonHandler, c *call) (status int, v any, err error) {
	defer fakeserver.OnPanic(c.route, func(p error) {
		s.internalError(p)
		status, v, err = 0, nil, errInternal("internal error")
	})
	return h(c)
}

type callKey struct{}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if status == http.StatusNoContent || v == nil {
		w.WriteHeader(status)
		return
	}
	b, err := marshalJS(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"statusCode":500,"message":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	e.header(w.Header())
	writeJSON(w, e.status, e.body())
}

// frontDoor wraps a route's handler.
func (s *Server) frontDoor(route string, h http.Handler) http.Handler {
	_, path, _ := strings.Cut(route, " ")
	widget := strings.HasPrefix(path, "/v1/widget")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if widget {
			if origin := r.Header.Get("Origin"); origin != "" {
				// CORS echoes any Origin; the allowlist is checked later (§2.1).
				w.Header().Set("Access-Control-Allow-Origin", origin)
				w.Header().Add("Vary", "Origin")
			}
		}
		requestID := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(requestID) {
			requestID = newUUID()
		}
		w.Header().Set("X-Request-Id", requestID)

		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		rec := s.log.Append(newRequest(r, route, requestID, body, s.clock.Now()))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.writeError(w, newError(http.StatusRequestEntityTooLarge, "request entity too large"))
				s.finish(rec, http.StatusRequestEntityTooLarge)
				return
			}
			s.finish(rec, 0)
			panic(http.ErrAbortHandler) // the client is gone or broke off: no answer
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !jsonBodyOK(r, body) {
			// Express's JSON parser refuses the body before any guard runs.
			s.writeError(w, errBadRequest("Unexpected token in JSON: the body is not valid JSON"))
			s.finish(rec, http.StatusBadRequest)
			return
		}

		if err := fakeserver.Sleep(r.Context(), s.cfg.Latency); err != nil {
			// Close (or the client) ended the request during the delay:
			// close the connection rather than answer an empty 200.
			s.finish(rec, 0)
			panic(http.ErrAbortHandler)
		}
		if f, ok := s.takeFault(route, false); ok {
			s.finish(rec, s.injectFault(w, r, route, f))
			return
		}

		c := &call{s: s, r: r, body: body, route: route, header: http.Header{}}
		buf := newBuffer()
		h.ServeHTTP(buf, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
		if buf.status == 0 {
			buf.status = http.StatusOK
		}
		if f, ok := s.takeFault(route, true); ok {
			s.finish(rec, s.injectFault(w, r, route, f))
			return
		}
		for k, vs := range buf.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(buf.status)
		w.Write(buf.body.Bytes())
		s.finish(rec, buf.status)
	})
}

// jsonBodyOK is Express's strict JSON parser: a JSON body must parse and be
// an object or an array.
func jsonBodyOK(r *http.Request, body []byte) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	trimmed := bytes.TrimSpace(body)
	if !strings.HasPrefix(ct, "application/json") || len(trimmed) == 0 {
		return true
	}
	return (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed)
}

// finish records the answer's status and logs the request.
func (s *Server) finish(rec *Request, status int) {
	s.log.Update(func() { rec.Status = status })
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "munintest request",
		slog.String("method", rec.Method), slog.String("path", rec.Path),
		slog.String("route", rec.Route), slog.Int("status", status),
		slog.String("request_id", rec.RequestID))
}

// preflight answers a CORS preflight on /v1/widget*: 204 and, as on Munin,
// no x-request-id (§7).
func preflight(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	w.Header().Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
	if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
		w.Header().Set("Access-Control-Allow-Headers", h)
	}
	w.WriteHeader(http.StatusNoContent)
}

// notFound is NestJS's answer for a route it does not have, such as the
// retired "/api/v1/…" paths (§0).
func notFound(c *call) (int, any, error) {
	return 0, nil, errNotFound("Cannot " + c.r.Method + " " + c.r.URL.Path)
}

// routeName turns "POST /v1/x/{id}" into "POST /v1/x/:id".
func routeName(pattern string) string {
	return paramPattern.ReplaceAllString(pattern, ":$1")
}

var paramPattern = regexp.MustCompile(`\{([A-Za-z0-9_]+)\.*\}`)
