package altabots

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/botbridge/botbridge/webhookverify"
)

// The answer of a served call, {"code":0,"message":"success"} with HTTP
// 200: the handoff page documents {code, message} and no success value.
const (
	// SuccessCode is the code of a served call.
	SuccessCode = 0
	// SuccessMessage is the message of a served call.
	SuccessMessage = "success"
)

// Handler serves the three endpoints AltaBots calls on the desk —
// conversation establish, chat and conversation close — and hands each
// decoded, validated request to a Desk. Build one with NewHandler; it is
// safe for concurrent use, and nothing about it, its errors or its logs
// shows a credential.
type Handler struct {
	desk     Desk
	paths    [endpointCount]string
	auth     webhookverify.Authenticator
	maxBytes int64
	hooks    Hooks
	logger   *slog.Logger
	auto     *autoReplier // nil without WithAutoReply
}

// endpoint is one of the three endpoints.
type endpoint int

const (
	establishEndpoint endpoint = iota
	chatEndpoint
	closeEndpoint
	endpointCount
	noEndpoint endpoint = -1
)

var endpointNames = [endpointCount]string{"establish", "chat", "close"}

// NewHandler returns the http.Handler for the desk's three endpoints.
// Mount it where AltaBots' webhook settings point, for the whole path tree
// (it routes by the exact URL path itself):
//
//	mux.Handle("/", h) // the default paths
//	mux.Handle(altabots.CurlPathPrefix+"/", h) // with WithPathPrefix(altabots.CurlPathPrefix)
//
// It needs WithAuthenticator or, explicitly, WithoutAuthentication — not
// both. Each request goes through, in order:
//
//   - path: exactly one of the three (WithPaths, WithPathPrefix), else 404;
//   - method: POST, else 405 with Allow: POST;
//   - credential: the Authenticator's refusal gets 401 (403 for a source
//     address), before the body is read;
//   - Content-Type: application/json (parameters such as charset allowed,
//     any case), else 415;
//   - body: read through a cap (DefaultMaxBodyBytes, WithMaxBodyBytes);
//     longer gets 413;
//   - decode: ParseEstablish, ParseChat or ParseClose; a *RequestError gets
//     400 with its message (a body that is not JSON, a missing
//     conversation_id, a field of the wrong type, a close type other than
//     TIMEOUT and USER_CLOSED);
//   - desk: the Desk method with the request's context. nil gets 200
//     {"code":0,"message":"success"}; a *DeskError (found with errors.As)
//     is answered as it says; any other error gets 500 {"code":50000,
//     "message":"desk failed"}, never the error's text.
//
// Every answer is JSON {code, message} with Content-Type application/json.
// A refusal's code is its status times 100: 40000, 40100, 40300, 40400,
// 40500, 41300, 41500, 50000. Messages name the field or header at fault
// ("conversation_id is required", "Content-Type must be application/json")
// and never a credential. Hooks.Refused hears of every answer that is not
// 2xx.
//
// A close call cancels the conversation's auto-reply timer (WithAutoReply)
// once it has decoded, whatever the desk answers: AltaBots has ended the
// conversation. Call Close when the handler is retired, to stop the
// timers.
func NewHandler(desk Desk, opts ...HandlerOption) (*Handler, error) {
	if desk == nil {
		return nil, errors.New("altabots: NewHandler: nil Desk")
	}
	s := handlerSettings{
		establish: DefaultEstablishPath,
		chat:      DefaultChatPath,
		close:     DefaultClosePath,
		maxBytes:  DefaultMaxBodyBytes,
		clock:     realClock{},
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("altabots: NewHandler: nil HandlerOption")
		}
		if err := opt(&s); err != nil {
			return nil, fmt.Errorf("altabots: NewHandler: %w", err)
		}
	}
	switch {
	case s.auth != nil && s.noAuth:
		return nil, errors.New("altabots: NewHandler: WithAuthenticator and WithoutAuthentication: give one or the other")
	case s.auth == nil && !s.noAuth:
		return nil, errors.New("altabots: NewHandler: no WithAuthenticator: AltaBots signs nothing, so check its credential " +
			"(webhookverify.BearerToken, BasicAuth, SourceIPs) or opt out with WithoutAuthentication")
	}
	h := &Handler{
		desk:     desk,
		paths:    [endpointCount]string{s.prefix + s.establish, s.prefix + s.chat, s.prefix + s.close},
		auth:     s.auth,
		maxBytes: s.maxBytes,
		hooks:    s.hooks,
		logger:   s.logger,
	}
	if s.autoClient != nil {
		h.auto = newAutoReplier(s.autoClient, s.autoText, s.autoAfter, s.clock, s.hooks.AutoReplied, s.logger)
	}
	return h, nil
}

// Paths returns the URL paths the handler serves: establish, chat, close.
func (h *Handler) Paths() (establish, chat, close string) {
	return h.paths[establishEndpoint], h.paths[chatEndpoint], h.paths[closeEndpoint]
}

// MarkReplied records that the desk replied in conversationID by other
// means than the handler's Client: its auto-reply timer (WithAutoReply)
// stops, and AltaBots repeating the handoff's establish starts none. It
// does nothing without WithAutoReply or without a handoff of the
// conversation.
func (h *Handler) MarkReplied(conversationID string) {
	if h.auto != nil {
		h.auto.answered(conversationID)
	}
}

// Close stops every pending auto-reply timer and waits for the automatic
// replies already being sent. The handler still serves requests
// afterwards, without starting timers. Close may be called more than once.
func (h *Handler) Close() {
	if h.auto != nil {
		h.auto.close()
	}
}

// String describes the handler without its credentials.
func (h Handler) String() string {
	auth := "unauthenticated"
	if h.auth != nil {
		auth = "credential checked"
	}
	s := "altabots.Handler{" + h.paths[0] + " " + h.paths[1] + " " + h.paths[2] + ", " + auth
	if h.auto != nil {
		s += ", auto reply after " + h.auto.after.String()
	}
	return s + "}"
}

// Format prints String for every verb, so no verb reaches the
// Authenticator's fields.
func (h Handler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// route returns the endpoint at path.
func (h *Handler) route(path string) endpoint {
	for i, p := range h.paths {
		if p == path {
			return endpoint(i)
		}
	}
	return noEndpoint
}

// Reasons for the refusals that have no error of their own.
var (
	errNoEndpoint   = errors.New("altabots: no endpoint at this path")
	errMethod       = errors.New("altabots: method must be POST")
	errContentType  = errors.New("altabots: Content-Type must be application/json")
	errBodyTooLarge = errors.New("altabots: request body too large")
)

// errDeskFailedText is the message of the answer to a desk error.
const errDeskFailedText = "desk failed"

// ServeHTTP serves one call from AltaBots; see NewHandler for the answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep := h.route(r.URL.Path)
	switch {
	case ep == noEndpoint:
		h.refuse(w, r, ep, "", http.StatusNotFound, 0, "no endpoint at this path", errNoEndpoint)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, ep, "", http.StatusMethodNotAllowed, 0, "method must be POST", errMethod)
		return
	}
	if h.auth != nil {
		if err := h.auth.Authenticate(r); err != nil {
			status := webhookverify.AuthStatus(err)
			webhookverify.SetChallenge(w, h.auth, status)
			h.refuse(w, r, ep, "", status, 0, authMessage(err, status), err)
			return
		}
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		h.refuse(w, r, ep, "", http.StatusUnsupportedMediaType, 0, "Content-Type must be application/json", errContentType)
		return
	}
	body, err := h.readBody(r)
	switch {
	case errors.Is(err, errBodyTooLarge):
		h.refuse(w, r, ep, "", http.StatusRequestEntityTooLarge, 0,
			"request body is larger than "+strconv.FormatInt(h.maxBytes, 10)+" bytes", err)
		return
	case err != nil:
		h.refuse(w, r, ep, "", http.StatusBadRequest, 0, "request body could not be read", err)
		return
	}

	conv, err := h.dispatch(r.Context(), ep, body)
	var reqErr *RequestError
	var deskErr *DeskError
	switch {
	case err == nil:
		h.log(r, slog.LevelDebug, ep, conv, http.StatusOK, "served", nil)
		writeSuccess(w)
	case conv == "" && errors.As(err, &reqErr): // the body did not decode
		h.refuse(w, r, ep, conv, http.StatusBadRequest, 0, reqErr.Message, err)
	case errors.As(err, &deskErr):
		status, code, message := deskErr.answer()
		if status >= 300 {
			h.refuse(w, r, ep, conv, status, code, message, err)
			return
		}
		h.log(r, slog.LevelDebug, ep, conv, status, "served with the desk's answer", err)
		writeAnswer(w, status, code, message)
	default:
		h.log(r, slog.LevelError, ep, conv, http.StatusInternalServerError, "desk failed", err)
		h.answerRefusal(w, r, http.StatusInternalServerError, 0, errDeskFailedText, err)
	}
}

// dispatch decodes body for ep and calls the desk. It returns the
// conversation id, which is "" exactly when the body did not decode (err
// is then the decoder's *RequestError), and the desk's error.
func (h *Handler) dispatch(ctx context.Context, ep endpoint, body []byte) (conversationID string, err error) {
	switch ep {
	case establishEndpoint:
		req, err := ParseEstablish(body)
		if err != nil {
			return "", err
		}
		if h.auto == nil {
			return req.ConversationID, h.desk.Establish(ctx, req)
		}
		// Recorded before the desk runs, so that a reply the desk sends
		// from inside Establish cancels it; the timer starts only once
		// Establish returned nil (deferred: a panic forgets it too).
		pending, established := h.auto.begin(req.ConversationID, req.Timestamp), false
		defer func() { h.auto.arm(req.ConversationID, pending, established) }()
		err = h.desk.Establish(ctx, req)
		established = err == nil
		return req.ConversationID, err
	case chatEndpoint:
		req, err := ParseChat(body)
		if err != nil {
			return "", err
		}
		return req.ConversationID, h.desk.Chat(ctx, req)
	default:
		req, err := ParseClose(body)
		if err != nil {
			return "", err
		}
		if h.auto != nil {
			h.auto.end(req.ConversationID) // AltaBots ended it: no reply is due
		}
		return req.ConversationID, h.desk.Close(ctx, req)
	}
}

// readBody reads the request body through the cap.
func (h *Handler) readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > h.maxBytes {
		return nil, errBodyTooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	// A declared length sizes the buffer, bounded so that a client that
	// declares much and sends little holds little; one byte past the cap
	// tells a body of exactly the cap from a longer one.
	size := int64(512)
	if r.ContentLength >= 0 {
		size = min(r.ContentLength, 64<<10) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, h.maxBytes+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > h.maxBytes {
		return nil, errBodyTooLarge
	}
	return buf.Bytes(), nil
}

// isJSON reports whether a Content-Type value is application/json, with
// any parameters, in any case.
func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true // the common case, without parsing
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return mediaType == "application/json" && (err == nil || errors.Is(err, mime.ErrInvalidMediaParameter))
}

// authMessage is the answer's message for an Authenticator's refusal: which
// kind of refusal, never the credential.
func authMessage(err error, status int) string {
	switch {
	case status == http.StatusForbidden:
		return "source address is not allowed"
	case errors.Is(err, webhookverify.ErrMissingCredential):
		return "credential is missing"
	}
	return "credential is not accepted"
}

// refuse logs a refusal and answers it.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, ep endpoint, conv string, status, code int, message string, err error) {
	h.log(r, slog.LevelWarn, ep, conv, status, "refused: "+message, err)
	h.answerRefusal(w, r, status, code, message, err)
}

// answerRefusal tells Hooks.Refused and answers status with code, or
// status*100 when code is 0.
func (h *Handler) answerRefusal(w http.ResponseWriter, r *http.Request, status, code int, message string, err error) {
	if h.hooks.Refused != nil {
		h.hooks.Refused(r, status, err)
	}
	if code == 0 {
		code = status * 100
	}
	writeAnswer(w, status, code, message)
}

// log writes one line when a logger is set.
func (h *Handler) log(r *http.Request, level slog.Level, ep endpoint, conv string, status int, msg string, err error) {
	if h.logger == nil || !h.logger.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.Int("status", status))
	if ep != noEndpoint {
		attrs = append(attrs, slog.String("endpoint", endpointNames[ep]))
	} else {
		attrs = append(attrs, slog.String("path", r.URL.Path))
	}
	if conv != "" {
		attrs = append(attrs, slog.String("conversation_id", conv))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.logger.LogAttrs(r.Context(), level, "altabots handler: "+msg, attrs...)
}

// successBody is the answer to a served call.
var successBody = []byte(`{"code":0,"message":"success"}`)

func writeSuccess(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(successBody)
}

// answerBody is the JSON of every answer.
type answerBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeAnswer(w http.ResponseWriter, status, code int, message string) {
	body, _ := json.Marshal(answerBody{Code: code, Message: message}) // cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// DeskError is an error a Desk method returns to choose the answer
// AltaBots gets, where any other error gets 500 {"code":50000,"message":
// "desk failed"}. Status is the HTTP status (200–599 except 204 and 304,
// which carry no body; another value counts as 500); Code is the answer's
// code (0 means Status*100 for a status of 300 or more); Message is sent
// as it is — it must hold nothing secret — and an empty one is the status
// text. The handler finds a DeskError with
// errors.As, so it may be wrapped.
//
//	return &altabots.DeskError{Status: 503, Message: "no agent is online"}
type DeskError struct {
	Status  int
	Code    int
	Message string
}

// Error returns one line with the status, code and message.
func (e *DeskError) Error() string {
	status, code, message := e.answer()
	return "altabots: desk answered " + strconv.Itoa(status) + " (code " + strconv.Itoa(code) + "): " + message
}

// answer returns what the handler answers for e.
func (e *DeskError) answer() (status, code int, message string) {
	status, code, message = e.Status, e.Code, e.Message
	if status < 200 || status > 599 || status == http.StatusNoContent || status == http.StatusNotModified {
		// 204 and 304 carry no body, so they cannot carry {code, message}.
		return http.StatusInternalServerError, http.StatusInternalServerError * 100, errDeskFailedText
	}
	if code == 0 && status >= 300 {
		code = status * 100
	}
	if message == "" {
		message = SuccessMessage
		if status >= 300 {
			message = http.StatusText(status)
		}
	}
	return status, code, message
}
