package moveotest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The HTTP front door every route goes through: request id, body limit,
// the request log, latency, fault injection, then (for the API) the apikey
// check and the integration id in the path, then the route's handler.

// maxBodyBytes caps request bodies; Moveo documents no limit.
const maxBodyBytes = 8 << 20

// call is one request as a handler sees it.
type call struct {
	r         *http.Request
	body      []byte
	route     string
	requestID string // Moveo's request_id for this call
}

// sid is the session id in the path.
func (c *call) sid() string { return c.r.PathValue(sessionPathParam) }

// jsonHandler answers with a status and a value to encode, or an error.
type jsonHandler func(c *call) (status int, v any, err error)

// apiError is Moveo's error answer: {error_code, error_message}
// (moveo-api-notes.md, "Errors").
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errBadRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_payload", fmt.Sprintf(format, args...)}
}

func errNotFound(code, message string) *apiError {
	return &apiError{http.StatusNotFound, code, message}
}

func errSessionNotFound(id string) *apiError {
	return errNotFound("session_not_found", "Session "+id+" not found or expired")
}

func errInternal(message string) *apiError {
	return &apiError{http.StatusInternalServerError, "internal_error", message}
}

// errorBody is the JSON of an apiError.
type errorBody struct {
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

// register mounts h under pattern, whose route name is pattern itself.
func (s *Server) register(pattern string, h http.Handler) {
	if pattern != routeCatchAll {
		s.routes[fakeserver.CanonicalRoute(pattern)] = true
	}
	s.mux.Handle(pattern, h)
}

// api mounts a route of the API: apikey and integration id checked.
func (s *Server) api(pattern string, h jsonHandler) {
	s.register(pattern, s.frontDoor(pattern, true, func(w http.ResponseWriter, c *call) int {
		if err := s.authorize(c); err != nil {
			return s.writeError(w, c, err)
		}
		status, v, err := s.run(h, c)
		if err != nil {
			return s.writeError(w, c, err)
		}
		return writeJSON(w, status, v)
	}))
}

// session mounts a route under …/sessions/{sid}. The handler checks the
// session itself, under the lock it needs anyway.
func (s *Server) session(pattern string, h jsonHandler) { s.api(pattern, h) }

// storage mounts a presigned storage route: no apikey, the signature is in
// the query.
func (s *Server) storage(pattern string, h func(w http.ResponseWriter, c *call) int) {
	s.register(pattern, s.frontDoor(pattern, false, h))
}

// authorize checks Authorization: apikey <KEY> and the integration id.
func (s *Server) authorize(c *call) error {
	scheme, key, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "apikey") || subtle.ConstantTimeCompare([]byte(key), []byte(s.apiKey)) != 1 {
		return &apiError{http.StatusUnauthorized, "unauthorized", "Missing or invalid API key"}
	}
	if c.route == routeCatchAll {
		return nil
	}
	if c.r.PathValue(integrationPathParam) != s.integrationID {
		return errNotFound("integration_not_found", "Integration not found")
	}
	return nil
}

// run runs h, turning a panic into a 500 and a test failure.
func (s *Server) run(h jsonHandler, c *call) (status int, v any, err error) {
	defer fakeserver.OnPanic(c.route, func(p error) {
		s.internalError(p)
		status, v, err = 0, nil, errInternal("internal error")
	})
	return h(c)
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error_code":"internal_error","error_message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
	return status
}

func (s *Server) writeError(w http.ResponseWriter, c *call, err error) int {
	var e *apiError
	if !errors.As(err, &e) {
		s.internalError(fmt.Errorf("%s: %w", c.route, err))
		e = errInternal("internal error")
	}
	return writeJSON(w, e.status, errorBody{ErrorCode: e.code, ErrorMessage: e.message})
}

// frontDoor wraps a route's handler, which returns the status it answered
// (0 when it dropped the connection).
func (s *Server) frontDoor(route string, latency bool, h func(w http.ResponseWriter, c *call) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := newUUID()
		w.Header().Set("X-Request-Id", requestID)
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		rec := s.log.Append(newRequest(r, route, requestID, body, s.clock.Now()))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.finish(rec, writeJSON(w, http.StatusRequestEntityTooLarge,
					errorBody{"payload_too_large", "request body too large"}))
				return
			}
			s.finish(rec, 0)
			panic(http.ErrAbortHandler) // the client broke off: no answer
		}
		if latency {
			if err := fakeserver.Sleep(r.Context(), s.cfg.Latency); err != nil {
				s.finish(rec, 0)
				panic(http.ErrAbortHandler) // Close or the client ended it
			}
		}
		c := &call{r: r, body: body, route: route, requestID: requestID}
		if status, ok := s.faults.Take(fakeserver.CanonicalRoute(route), nil); ok {
			s.finish(rec, s.writeError(w, c, injected(status)))
			return
		}
		s.finish(rec, h(w, c))
	})
}

// finish records the answer's status and logs the request.
func (s *Server) finish(rec *Request, status int) {
	s.log.Update(func() { rec.Status = status })
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "moveotest request",
		slog.String("method", rec.Method), slog.String("path", rec.Path),
		slog.String("route", rec.Route), slog.Int("status", status),
		slog.String("request_id", rec.RequestID))
}

// object decodes the body as a JSON object. An empty body is an empty
// object unless required; anything but an object is Moveo's 400.
func (c *call) object(required bool) (map[string]any, error) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		if required {
			return nil, errBadRequest("request body must be a JSON object")
		}
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, errBadRequest("request body is not valid JSON")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errBadRequest("request body must be a JSON object")
	}
	return m, nil
}

// optString reads an optional string field.
func optString(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	str, ok := v.(string)
	if !ok {
		return "", errBadRequest("%s must be a string", key)
	}
	return str, nil
}

// optObject reads an optional object field; present but null is a 400
// (moveo-api-notes.md: "when context is sent it must be an object").
func optObject(m map[string]any, key string) (map[string]any, bool, error) {
	v, ok := m[key]
	if !ok {
		return nil, false, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false, errBadRequest("%s must be an object", key)
	}
	return obj, true, nil
}
