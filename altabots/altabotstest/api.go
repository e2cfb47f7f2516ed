package altabotstest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/internal/fakeserver"
)

// The API AltaBots serves to the desk (the handoff page, "Receive Customer
// Service Messages" and "Manual Customer Service Closes Conversation").
// Route names, for FailNext and Request.Route, are the method and path.
const (
	RouteMessageReceive = "POST /v1/human/message/receive"
	RouteClose          = "POST /v1/human/close"
)

const (
	pathMessageReceive = "/v1/human/message/receive"
	pathClose          = "/v1/human/close"
)

// MaxBodyBytes caps a request body; AltaBots documents no limit.
const MaxBodyBytes = 1 << 20

// The codes of the fake's answers. The endpoint pages document 40000
// (parameter error) and 40127 (authentication failed); the others are the
// fake's, status×100 as the altabots handler's are.
const (
	CodeSuccess        = 0
	CodeParameter      = 40000
	CodeAuthentication = 40127
	CodeNotFound       = 40400
	CodeMethod         = 40500
	CodeTooLarge       = 41300
	CodeRateLimited    = 42900
)

// MessageNotOpen is the message of the 400 for a conversation that is
// unknown, refused or ended.
const MessageNotOpen = "conversation not found or closed"

// apiError is one of the fake's refusals.
type apiError struct {
	status  int
	code    int
	message string
}

func badRequest(message string) *apiError {
	return &apiError{http.StatusBadRequest, CodeParameter, message}
}

// answer is the JSON of every answer: {code, message}.
type answer struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// serveAPI is the server's only handler: request log, latency, faults,
// API key, quota, then the route.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	route := ""
	if r.URL.Path == pathMessageReceive || r.URL.Path == pathClose {
		route = "POST " + r.URL.Path
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	rec := s.log.Append(newRequest(r, route, body, s.now()))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.answer(w, rec, &apiError{http.StatusRequestEntityTooLarge, CodeTooLarge,
				"request body is larger than " + strconv.Itoa(MaxBodyBytes) + " bytes"})
			return
		}
		s.finish(rec, 0, 0)
		panic(http.ErrAbortHandler) // the client broke off: no answer
	}
	if err := fakeserver.Sleep(r.Context(), s.cfg.Latency); err != nil {
		s.finish(rec, 0, 0)
		panic(http.ErrAbortHandler) // Close or the client ended it
	}
	if route == "" {
		s.answer(w, rec, &apiError{http.StatusNotFound, CodeNotFound, "no route for " + r.URL.Path})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.answer(w, rec, &apiError{http.StatusMethodNotAllowed, CodeMethod, "method must be POST"})
		return
	}
	if status, ok := s.faults.Take(route, nil); ok {
		s.answer(w, rec, &apiError{status, status * 100, "injected fault"})
		return
	}
	if !s.authorized(r) {
		s.answer(w, rec, &apiError{http.StatusUnauthorized, CodeAuthentication, "authentication failed"})
		return
	}
	if ok, retry := s.limiter.take(s.now(), w.Header()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		s.answer(w, rec, &apiError{http.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded"})
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		s.answer(w, rec, badRequest("Content-Type must be application/json"))
		return
	}
	req, aerr := parseServed(body, route == RouteMessageReceive)
	if aerr == nil {
		if route == RouteMessageReceive {
			aerr = s.receiveReply(req)
		} else {
			aerr = s.deskCloses(req)
		}
	}
	s.answer(w, rec, aerr)
}

// authorized checks "Authorization: Bearer <key>" in constant time.
func (s *Server) authorized(r *http.Request) bool {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(key), []byte(s.apiKey)) == 1
}

// isJSON reports whether a Content-Type is application/json, parameters
// and case aside.
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

// answer writes e, or success for nil, and records it.
func (s *Server) answer(w http.ResponseWriter, rec *Request, e *apiError) {
	a, status := answer{CodeSuccess, "success"}, http.StatusOK
	if e != nil {
		a, status = answer{e.code, e.message}, e.status
	}
	b, _ := json.Marshal(a) // cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	s.finish(rec, status, a.Code)
}

// finish records the answer's status and code and logs the request.
func (s *Server) finish(rec *Request, status, code int) {
	s.log.Update(func() { rec.Status, rec.Code = status, code })
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "altabotstest request",
		slog.String("method", rec.Method), slog.String("path", rec.Path),
		slog.Int("status", status), slog.Int("code", code))
}

// served is a decoded call to the API: a reply (Body set) or a close.
type served struct {
	ConversationID string
	Timestamp      altabots.UnixMillis
	Body           string
}

// parseServed decodes the body of a call to the API as the handoff page's
// "Required" column asks: a JSON object with a non-blank conversation_id
// string and a positive whole timestamp in milliseconds, and, for a
// reply (withBody), a non-empty body string. Other fields are ignored. A
// refusal names the field.
func parseServed(raw []byte, withBody bool) (served, *apiError) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || dec.More() {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return served{}, badRequest("request body must be a JSON object")
		}
		return served{}, badRequest("request body is not valid JSON")
	}
	if fields == nil {
		return served{}, badRequest("request body must be a JSON object")
	}
	var req served
	var aerr *apiError
	if req.ConversationID, aerr = requiredString(fields, "conversation_id"); aerr != nil {
		return served{}, aerr
	}
	if strings.TrimSpace(req.ConversationID) == "" {
		return served{}, badRequest("conversation_id is required")
	}
	if req.Timestamp, aerr = requiredMillis(fields, "timestamp"); aerr != nil {
		return served{}, aerr
	}
	if withBody {
		if req.Body, aerr = requiredString(fields, "body"); aerr != nil {
			return served{}, aerr
		}
		if req.Body == "" {
			return served{}, badRequest("body is required")
		}
	}
	return req, nil
}

// requiredString reads a string field that must be present.
func requiredString(fields map[string]json.RawMessage, name string) (string, *apiError) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return "", badRequest(name + " is required")
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", badRequest(name + " must be a string")
	}
	return v, nil
}

// requiredMillis reads a timestamp that must be present: a positive whole
// number of milliseconds.
func requiredMillis(fields map[string]json.RawMessage, name string) (altabots.UnixMillis, *apiError) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return 0, badRequest(name + " is required")
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/int64(1e6) {
		return 0, badRequest(name + " must be a positive whole number of milliseconds")
	}
	return altabots.UnixMillis(n), nil
}

// receiveReply records the desk's reply: the conversation must be open
// (its first-reply deadline not passed).
func (s *Server) receiveReply(req served) *apiError {
	return s.onOpen(req.ConversationID, func(c *conversation, now time.Time) {
		c.replies = append(c.replies, Reply{Body: req.Body, Timestamp: req.Timestamp, At: now})
		if c.state == StateEstablishing || c.state == StateWaitingFirstReply {
			c.state = StateActive
			c.stopTimerLocked()
		}
	})
}

// deskCloses ends an open conversation on the desk's request.
func (s *Server) deskCloses(req served) *apiError {
	return s.onOpen(req.ConversationID, func(c *conversation, now time.Time) {
		c.endLocked(StateClosed, ReasonDesk, now)
	})
}

// onOpen runs change on the conversation id under the lock, if it is open
// once its first-reply deadline has been applied, and tells the waiters.
func (s *Server) onOpen(id string, change func(c *conversation, now time.Time)) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[id]
	if c == nil {
		return badRequest(MessageNotOpen)
	}
	now := s.now()
	s.expireLocked(c, now)
	defer s.notifyLocked()
	if !c.open() {
		return badRequest(MessageNotOpen)
	}
	change(c, now)
	return nil
}
