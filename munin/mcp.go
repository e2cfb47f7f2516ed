package munin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/botbridge/botbridge"
	"github.com/botbridge/botbridge/internal/transport"
)

// This file is the admin client's MCP transport (munin-api-reference.md §5,
// §7, §8): the same control-plane calls as REST, made as tool calls on
// Munin's Streamable HTTP endpoint through the official Go MCP SDK.
//
// Endpoint. WithMCP(url) is used as given. WithMCP("") means DefaultMCPURL
// when the client talks to hosted Munin (the base URL's host is
// DefaultBaseURL's), and otherwise <base URL>/mcp: a self-hosted Munin
// serves MCP at /mcp next to /v1 (§1), and a base URL path (a reverse-proxy
// mount such as https://host/munin/) is kept. WithPathPrefix is not: it is
// for the legacy "/api/v1" REST routes, and MCP was never under it.
//
// One session. §8: every MCP HTTP request counts against Munin's 60 per
// minute, and each connect costs requests and 20–150 ms, so the client keeps
// one connected session for its whole life, opened by the first call and
// shared by concurrent calls. A session that breaks (a connection error, or
// an HTTP answer that makes the SDK give the connection up) is dropped, and
// the next call connects again. When a call provably never reached a tool —
// nothing was sent because the session was already broken, or the server
// answered 404 (session gone) — it is sent again, once, on the new session.
// The SDK's Ping is never used: it fails on the 2026-07-28 revision (§8).
//
// Errors. Tool failures are results with isError (§5, §8); they become the
// same *APIError as the REST twin's answer: the code before the colon, the
// twin's status, and the code's sentinel (see mcpStatus). HTTP answers the
// SDK reduces to a status text (401 on connect, 429 mcp_burst_limited with
// its retryAfter, §7–§8) are captured in the RoundTripper and returned as
// *APIError too. Apart from the case above, MCP calls are not retried: a
// tool call is not idempotent in general, and after a 429 the error
// carries RetryAfter (up to a minute, §1) for the caller to decide.

// mcpResponseBodyPeek caps how much of a non-2xx answer is kept for the
// *APIError; the SDK still reads the whole body.
const mcpResponseBodyPeek = 4 << 10

// errMCPClosed is returned by calls made after Client.Close.
var errMCPClosed = errors.New("munin: MCP session is closed (Client.Close was called)")

// mcpSession is the admin client's connection to Munin's MCP endpoint: one
// lazily connected SDK client session, safe for concurrent calls.
type mcpSession struct {
	endpoint string // never holds credentials
	client   *mcp.Client
	http     *http.Client
	timeout  time.Duration
	logger   *slog.Logger
	scrubber *strings.Replacer
	reqID    func(context.Context) string

	mu       sync.Mutex
	cs       *mcp.ClientSession // nil until connected, and after a break
	dialing  *mcpDial           // the connect in progress, if any
	closed   bool
	retiring sync.WaitGroup // dropped sessions closing in the background
}

// mcpDial is one connect attempt that concurrent callers wait for, so that
// they share one connect instead of each opening their own.
type mcpDial struct {
	done chan struct{}
	err  error // set before done is closed
}

// newMCPSession prepares (but does not open) the MCP session.
func newMCPSession(s *settings, base *url.URL) (*mcpSession, error) {
	endpoint, err := mcpEndpoint(s.mcpURL, s.prefix, base)
	if err != nil {
		return nil, err
	}
	maxBody := s.config.MaxResponseBytes
	if maxBody <= 0 {
		maxBody = transport.DefaultMaxResponseBytes
	}
	m := &mcpSession{
		endpoint: endpoint.String(),
		timeout:  s.config.Timeout,
		logger:   s.config.Logger,
		scrubber: transport.Redactor([]transport.Secret{s.key}),
		reqID:    s.config.RequestID,
	}
	// The SDK sends through the same kind of client as REST (a copy of the
	// caller's; redirects not followed), with the credential added in front.
	m.http = transport.HTTPClient(s.config.HTTPClient)
	m.http.Transport = &mcpRoundTripper{
		next:      m.http.Transport,
		key:       s.key,
		userAgent: transport.UserAgent(s.config.UserAgent, "munin"),
		scheme:    endpoint.Scheme,
		host:      endpoint.Host,
		maxBody:   maxBody,
	}
	m.client = mcp.NewClient(&mcp.Implementation{Name: "botbridge-munin", Version: botbridge.Version}, &mcp.ClientOptions{
		// The client serves nothing back to Munin (no roots, sampling or
		// elicitation), so it advertises nothing.
		Capabilities: &mcp.ClientCapabilities{},
	})
	return m, nil
}

// mcpEndpoint derives the MCP URL from WithMCP's endpoint and the REST base
// URL, by the rule at the top of this file.
func mcpEndpoint(explicit, prefix string, base *url.URL) (*url.URL, error) {
	if explicit != "" {
		u, err := url.Parse(explicit)
		if err != nil {
			return nil, errors.New("munin: WithMCP: endpoint is not a URL")
		}
		switch {
		case u.User != nil:
			// It would travel in every error and log line naming the URL.
			return nil, fmt.Errorf("munin: WithMCP %s: must not hold credentials", u.Redacted())
		case u.Fragment != "":
			return nil, fmt.Errorf("munin: WithMCP %s: must not have a fragment", u.Redacted())
		}
		return u, nil
	}
	if hosted, err := url.Parse(DefaultBaseURL); err == nil && strings.EqualFold(base.Host, hosted.Host) {
		return url.Parse(DefaultMCPURL)
	}
	u := *base
	escaped := strings.TrimRight(base.EscapedPath(), "/")
	if prefix != "" {
		escaped = strings.TrimSuffix(escaped, "/"+(&url.URL{Path: prefix}).EscapedPath())
	}
	escaped += "/mcp"
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("munin: MCP endpoint: %w", err)
	}
	u.Path, u.RawPath = p, escaped
	return &u, nil
}

// mcpRoundTripper adds the credential and User-Agent to every request the
// SDK sends, and records non-2xx answers for the call that sent them: the
// SDK keeps only their status text (§8), which loses Munin's
// mcp_burst_limited retryAfter and the difference between a bad key and
// anything else.
type mcpRoundTripper struct {
	next         http.RoundTripper
	key          transport.Secret
	userAgent    string
	scheme, host string // the endpoint's: the key goes nowhere else
	maxBody      int64
}

// RoundTrip implements http.RoundTripper.
func (t *mcpRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(mcpRecorderKey{}).(*mcpRecorder)
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", t.userAgent)
	if strings.EqualFold(r.URL.Scheme, t.scheme) && strings.EqualFold(r.URL.Host, t.host) {
		r.Header.Set("Authorization", "Bearer "+t.key.Value())
	}
	if rec != nil {
		rec.sent(r.Header)
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		peek, _ := io.ReadAll(io.LimitReader(resp.Body, mcpResponseBodyPeek))
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
		if rec != nil {
			rec.answered(resp.StatusCode, resp.Header, peek)
		}
	}
	if req.Method == http.MethodPost {
		// A call's answer is read whole by the SDK; cap it as REST's are.
		resp.Body = &cappedBody{r: resp.Body, c: resp.Body, left: t.maxBody, rec: rec}
	}
	return resp, nil
}

// readCloser joins a reader and the closer of the body it stands for.
type readCloser struct {
	io.Reader
	io.Closer
}

// cappedBody fails with transport.ErrResponseTooLarge past left bytes.
type cappedBody struct {
	r    io.Reader
	c    io.Closer
	left int64
	rec  *mcpRecorder
}

// Read reads at most left bytes, then fails.
func (b *cappedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		if b.rec != nil {
			b.rec.overflowed()
		}
		n, b.left = int(b.left), 0
		return n, transport.ErrResponseTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// Close closes the underlying body.
func (b *cappedBody) Close() error { return b.c.Close() }

// mcpRecorderKey carries a call's *mcpRecorder in the request context, which
// the SDK hands to the HTTP request it sends for the call.
type mcpRecorderKey struct{}

// mcpRecorder is what the RoundTripper saw for one call or connect.
type mcpRecorder struct {
	requestID string // sent as X-Request-Id when the client has a RequestID func

	mu       sync.Mutex
	attempts int
	failure  *mcpHTTPFailure
	tooLarge bool
}

// mcpHTTPFailure is a non-2xx HTTP answer.
type mcpHTTPFailure struct {
	status int
	header http.Header
	body   []byte // at most mcpResponseBodyPeek bytes
}

// sent counts a request about to go out, and gives it the call's request
// id.
func (r *mcpRecorder) sent(h http.Header) {
	if r.requestID != "" {
		h.Set("X-Request-Id", r.requestID)
	}
	r.mu.Lock()
	r.attempts++
	r.mu.Unlock()
}

// answered keeps a non-2xx answer.
func (r *mcpRecorder) answered(status int, h http.Header, body []byte) {
	r.mu.Lock()
	r.failure = &mcpHTTPFailure{status: status, header: h, body: body}
	r.mu.Unlock()
}

// overflowed notes an answer longer than the client's size cap.
func (r *mcpRecorder) overflowed() {
	r.mu.Lock()
	r.tooLarge = true
	r.mu.Unlock()
}

// state returns what was recorded.
func (r *mcpRecorder) state() (attempts int, failure *mcpHTTPFailure, tooLarge bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts, r.failure, r.tooLarge
}

// call calls tool with args and decodes its JSON text result into out (out
// may be nil). A result with isError becomes an *APIError like the tool's
// REST twin's answer.
func (m *mcpSession) call(ctx context.Context, tool string, args, out any) error {
	if m.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.timeout)
		defer cancel()
	}
	raw, err := mcpArguments(args)
	if err != nil {
		return fmt.Errorf("munin: MCP %s: arguments: %w", tool, err)
	}
	for attempt := 0; ; attempt++ {
		cs, err := m.session(ctx, tool)
		if err != nil {
			return err
		}
		rec := m.recorder(ctx)
		res, err := cs.CallTool(context.WithValue(ctx, mcpRecorderKey{}, rec), &mcp.CallToolParams{Name: tool, Arguments: raw})
		if err == nil {
			return m.result(tool, res, out)
		}
		again, err := m.failed(ctx, cs, tool, rec, err)
		if !again || attempt > 0 {
			return err
		}
		m.log(ctx, "munin: MCP session broken before the call reached Munin; reconnecting", tool)
	}
}

// mcpArguments marshals a tool's arguments, which MCP wants as a JSON
// object; nil means {}.
func mcpArguments(args any) (json.RawMessage, error) {
	if args == nil {
		return json.RawMessage("{}"), nil
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("must be a JSON object, not %.20s", t)
	}
	return raw, nil
}

// recorder returns a fresh recorder for one call.
func (m *mcpSession) recorder(ctx context.Context) *mcpRecorder {
	rec := &mcpRecorder{}
	if m.reqID != nil {
		if id := m.reqID(ctx); !strings.ContainsAny(id, "\r\n") {
			rec.requestID = id
		}
	}
	return rec
}

// session returns the connected session, connecting when there is none.
// Concurrent callers share one connect; a caller that waited for someone
// else's connect gets its error, unless that caller's context ended it.
func (m *mcpSession) session(ctx context.Context, tool string) (*mcp.ClientSession, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, errMCPClosed
		}
		if cs := m.cs; cs != nil {
			m.mu.Unlock()
			return cs, nil
		}
		if d := m.dialing; d != nil {
			m.mu.Unlock()
			select {
			case <-d.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("munin: MCP %s: %w", tool, ctx.Err())
			}
			if d.err != nil && !errors.Is(d.err, context.Canceled) && !errors.Is(d.err, context.DeadlineExceeded) {
				return nil, forTool(d.err, tool)
			}
			continue
		}
		d := &mcpDial{done: make(chan struct{})}
		m.dialing = d
		m.mu.Unlock()

		cs, err := m.connect(ctx, tool)

		m.mu.Lock()
		m.dialing = nil
		if err == nil && m.closed {
			m.mu.Unlock()
			_ = cs.Close()
			m.mu.Lock()
			cs, err = nil, errMCPClosed
		}
		if err == nil {
			m.cs = cs
		}
		d.err = err
		close(d.done)
		m.mu.Unlock()
		return cs, err
	}
}

// forTool returns a connect error that another call's connect produced,
// naming this call's tool.
func forTool(err error, tool string) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Path != tool {
		e := *apiErr
		e.Path = tool
		return &e
	}
	return err
}

// connect opens a session: one server/discover request with the SDK's
// default protocol revision (§8).
func (m *mcpSession) connect(ctx context.Context, tool string) (*mcp.ClientSession, error) {
	rec := m.recorder(ctx)
	start := time.Now()
	t := &mcp.StreamableClientTransport{Endpoint: m.endpoint, HTTPClient: m.http}
	cs, err := m.client.Connect(context.WithValue(ctx, mcpRecorderKey{}, rec), t, nil)
	if err == nil {
		m.log(ctx, "munin: MCP session connected", tool,
			slog.String("endpoint", m.endpoint), slog.Duration("took", time.Since(start)))
		return cs, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("munin: MCP %s: connect: %w", tool, ctxErr)
	}
	if _, failure, _ := rec.state(); failure != nil {
		return nil, m.httpError(tool, failure)
	}
	return nil, fmt.Errorf("munin: MCP %s: connect to %s: %s", tool, m.endpoint, m.scrub(err.Error()))
}

// failed turns a CallTool error into the call's error, drops the session
// when the SDK has given it up, and reports whether the call may be sent
// again on a new session because it cannot have reached a tool.
func (m *mcpSession) failed(ctx context.Context, cs *mcp.ClientSession, tool string, rec *mcpRecorder, err error) (again bool, _ error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, fmt.Errorf("munin: MCP %s: %w", tool, ctxErr)
	}
	attempts, failure, tooLarge := rec.state()
	rpcErr := serverRPCError(err)
	switch {
	case tooLarge:
		m.drop(ctx, cs, tool)
		return false, fmt.Errorf("munin: MCP %s: %w", tool, transport.ErrResponseTooLarge)
	case rpcErr != nil:
		// A JSON-RPC error, such as -32601 for a method the server does
		// not have (Munin answers it with HTTP 200, §7; the SDK's own
		// servers with 404 or 400): the server read the request, and the
		// session is fine.
		return false, fmt.Errorf("munin: MCP %s: JSON-RPC error %d: %s", tool, rpcErr.Code, m.scrub(rpcErr.Message))
	case failure != nil:
		switch failure.status {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			// The SDK keeps the connection after these (they are
			// transient), and so do we.
		default:
			m.drop(ctx, cs, tool)
		}
		// A plain 404: the server no longer knows the session (§2.5.3 of
		// the MCP transport spec), so the tool never ran.
		return failure.status == http.StatusNotFound, m.httpError(tool, failure)
	}
	m.drop(ctx, cs, tool)
	// ErrConnectionClosed with nothing sent: the session was already broken
	// (by an earlier call) when this call tried it.
	again = attempts == 0 && errors.Is(err, mcp.ErrConnectionClosed)
	return again, fmt.Errorf("munin: MCP %s: %s", tool, m.scrub(err.Error()))
}

// codeRejectedByTransport is the JSON-RPC code the SDK gives its own marker
// for a request its transport could not deliver or that got a transient
// HTTP status; it is not an error the server sent.
const codeRejectedByTransport = -32005

// serverRPCError returns the JSON-RPC error the server answered with, if
// err holds one.
func serverRPCError(err error) *jsonrpc.Error {
	switch e := err.(type) {
	case nil:
		return nil
	case *jsonrpc.Error:
		if e.Code != codeRejectedByTransport {
			return e
		}
		return nil
	case interface{ Unwrap() error }:
		return serverRPCError(e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if found := serverRPCError(inner); found != nil {
				return found
			}
		}
	}
	return nil
}

// drop forgets cs, if it is still the current session, and closes it in the
// background: Close waits for calls still in flight on it.
func (m *mcpSession) drop(ctx context.Context, cs *mcp.ClientSession, tool string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cs != cs {
		return
	}
	m.cs = nil
	m.retiring.Go(func() { _ = cs.Close() })
	m.log(ctx, "munin: MCP session dropped; the next call reconnects", tool)
}

// result decodes a tool result: Munin's is one text content holding JSON,
// with no structuredContent (§5).
func (m *mcpSession) result(tool string, res *mcp.CallToolResult, out any) error {
	text, ok := resultText(res)
	if res.IsError {
		return m.toolError(tool, text)
	}
	if out == nil {
		return nil
	}
	var data []byte
	switch {
	case ok:
		data = []byte(text)
	case res.StructuredContent != nil:
		var err error
		if data, err = json.Marshal(res.StructuredContent); err != nil {
			return fmt.Errorf("munin: MCP %s: result: %w", tool, err)
		}
	default:
		return fmt.Errorf("munin: MCP %s: result has no text content", tool)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("munin: MCP %s: decode result: %w", tool, err)
	}
	return nil
}

// resultText returns the first text content of a result.
func resultText(res *mcp.CallToolResult) (string, bool) {
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			return t.Text, true
		}
	}
	return "", false
}

// toolError maps a tool result with isError to the *APIError its REST twin
// would give: the code before the colon ("handover_active: …"), or the one
// codeOf reads from Munin's fixed texts, and the twin's status.
func (m *mcpSession) toolError(tool, text string) error {
	msg := m.scrub(strings.TrimSpace(text))
	code := mcpCode(msg)
	return transport.NewAPIError("munin", "MCP", tool, mcpStatus(code, msg), code, msg, codeSentinels[code])
}

// mcpCode reads Munin's code from a tool error text. "Invalid input: …" and
// "Unknown tool: X" come from the MCP dispatcher (§5), which has no REST
// twin, so they are read here rather than in codeOf.
func mcpCode(msg string) string {
	switch {
	case strings.HasPrefix(msg, "Invalid input"):
		return "validation_failed"
	case strings.HasPrefix(msg, "Unknown tool"):
		return "unknown_tool"
	}
	return codeOf(0, msg)
}

// mcpStatus is the HTTP status Munin's REST API answers with for code, so
// that errors.Is matches the same status sentinel (ErrConflict,
// ErrNotFound, …) over both transports:
//
//   - 409: handover_active, claim_held_by_other, agent_reply_race (§1, §4)
//   - 404: conv_not_found, session_not_found, any "… not found" text
//     ("webhook <id> not found", §3.1), and unknown_tool, the MCP
//     counterpart of a route REST does not have (as after the 2026-07-30
//     tool renames, §0)
//   - 429: rate_limited (the daily tool-call limit, §1)
//   - 403: scope_missing ("Missing required scope: S"), channel_inactive and
//     the widget access codes
//   - 400: validation_failed ("Invalid input: …", "validation_failed: …")
//     and origin_allowlist_required (§0 row 6)
//   - 422: any other code: Munin named a reason the SDK does not know, and
//     refused the call for it
//   - 500: a text with no code, which is what Munin's dispatcher returns for
//     an unexpected exception (REST: 500 "Internal server error")
func mcpStatus(code, msg string) int {
	switch code {
	case "handover_active", "claim_held_by_other", "agent_reply_race":
		return http.StatusConflict
	case "conv_not_found", "session_not_found", "unknown_tool":
		return http.StatusNotFound
	case "rate_limited", "mcp_burst_limited":
		return http.StatusTooManyRequests
	case "scope_missing", "channel_inactive", "origin_required", "origin_not_allowed",
		"widget_channel_mismatch", "invalid_widget_input", "invalid_widget_query",
		"widget_key_required", "identity_verification_failed", "identity_partial",
		"identity_required", "session_not_owned", "session_already_claimed":
		return http.StatusForbidden
	case "validation_failed", "origin_allowlist_required":
		return http.StatusBadRequest
	case "":
		if strings.Contains(msg, " not found") {
			return http.StatusNotFound
		}
		return http.StatusInternalServerError
	}
	return http.StatusUnprocessableEntity
}

// httpError builds the *APIError for a non-2xx HTTP answer from the MCP
// endpoint: Munin's plain JSON 401 on a bad key, 429 mcp_burst_limited with
// retryAfter in seconds (§1, §8), or whatever a proxy in front answered.
func (m *mcpSession) httpError(tool string, f *mcpHTTPFailure) *APIError {
	body := []byte(m.scrub(string(f.body)))
	code, message, kind := decodeError(f.status, f.header, body)
	// Best effort, field by field: any shape may come back, and a field of
	// an unexpected type must not cost the others.
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	if message == "" {
		// A JSON-RPC error in a non-2xx answer.
		var rpc struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(fields["error"], &rpc)
		message = rpc.Message
	}
	e := transport.NewAPIError("munin", "MCP", tool, f.status, m.scrub(code), m.scrub(message), kind)
	e.RequestID = m.scrub(f.header.Get("X-Request-Id"))
	e.Body = body
	if secs, ok := mcpRetryAfter(fields["retryAfter"]); ok {
		// Capped so that a wild value cannot overflow the Duration.
		e.RetryAfter = time.Duration(min(secs, maxMCPRetryAfter.Seconds()) * float64(time.Second))
	} else if wait, ok := retryAfter(f.header, time.Now()); ok {
		e.RetryAfter = wait
	}
	return e
}

// mcpRetryAfter reads the retryAfter of an MCP 429 body: seconds, as a
// number or a string holding one.
func mcpRetryAfter(raw json.RawMessage) (float64, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	secs, err := n.Float64()
	return secs, err == nil && secs > 0
}

// maxMCPRetryAfter bounds the retryAfter an MCP 429 body may ask for.
// Munin's window is a minute (§1); a day is far beyond any honest answer.
const maxMCPRetryAfter = 24 * time.Hour

// close ends the session; calls after it fail. It waits for a connect in
// progress and for dropped sessions still closing.
func (m *mcpSession) close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	cs, d := m.cs, m.dialing
	m.cs = nil
	m.mu.Unlock()
	if d != nil {
		<-d.done // the connect sees closed and closes what it opened
	}
	var err error
	if cs != nil {
		if err = cs.Close(); err != nil {
			err = fmt.Errorf("munin: MCP close: %s", m.scrub(err.Error()))
		}
	}
	m.retiring.Wait()
	return err
}

// scrub removes the key from anything the server or the SDK said, in case
// either echoes it.
func (m *mcpSession) scrub(s string) string {
	if m.scrubber == nil {
		return s
	}
	return m.scrubber.Replace(s)
}

// log writes a debug line when the client has a logger. The key is never
// among the attributes.
func (m *mcpSession) log(ctx context.Context, msg, tool string, attrs ...slog.Attr) {
	if m.logger == nil {
		return
	}
	attrs = append(attrs, slog.String("vendor", "munin"), slog.String("tool", tool))
	m.logger.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}
