package munin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/botbridge/botbridge/internal/transport"
)

// DefaultBaseURL is hosted Munin's REST API. A self-hosted Munin serves the
// same routes at its own address, such as http://localhost:3001.
const DefaultBaseURL = "https://api.getmunin.com/"

// DefaultMCPURL is hosted Munin's MCP endpoint. A self-hosted Munin serves
// MCP at /mcp on its REST address; WithMCP("") picks that when the base URL
// is not the hosted one.
const DefaultMCPURL = "https://mcp.getmunin.com"

// Key prefixes (munin-api-reference.md §1). The constructors check them so a
// widget key handed to NewClient fails at once instead of with a 403 later.
const (
	adminKeyPrefix  = "mn_admin_"
	widgetKeyPrefix = "mn_widget_"
)

// Client calls Munin's control plane with an admin key (mn_admin_…): the
// conversations a bot reads and answers, the widget channels it pushes into,
// and the webhooks that tell it when a human replied. It is safe for
// concurrent use.
//
// By default it speaks REST, which needs an unrestricted admin key (scope
// "*"). WithMCP makes the same calls as MCP tools, which a key with narrow
// scopes may use; the few operations Munin offers only over REST then fail
// with ErrRESTOnly.
type Client struct {
	// Conversations reads conversations and acts on them.
	Conversations *ConversationsService
	// Channels creates and manages widget channels.
	Channels *ChannelsService
	// Webhooks manages webhook subscriptions.
	Webhooks *WebhooksService

	rest   *transport.Client
	mcp    *mcpSession // nil unless WithMCP
	echoes *EchoFilter // nil unless WithEchoFilter
}

// NewClient returns a Client that authenticates with adminKey, a key that
// starts with "mn_admin_". Options that do not apply to an admin client
// (WithOrigin, WithChannel) are errors.
func NewClient(adminKey string, opts ...Option) (*Client, error) {
	s, err := newSettings(adminKey, adminKeyPrefix, "admin key", opts)
	if err != nil {
		return nil, err
	}
	switch {
	case s.origin != "":
		return nil, errors.New("munin: WithOrigin applies to the widget client only")
	case s.channelID != "":
		return nil, errors.New("munin: WithChannel applies to the widget client only")
	}
	rest, err := transport.New(s.config)
	if err != nil {
		return nil, fmt.Errorf("munin: %w", err)
	}
	c := &Client{rest: rest, echoes: s.echoes}
	if s.mcp {
		if c.mcp, err = newMCPSession(s, rest.BaseURL()); err != nil {
			return nil, err
		}
	}
	c.Conversations = &ConversationsService{c: c}
	c.Channels = &ChannelsService{c: c}
	c.Webhooks = &WebhooksService{c: c}
	return c, nil
}

// Close ends the client's MCP session, when it has one. A REST-only client
// has nothing to close; Close is then a no-op.
func (c *Client) Close() error {
	if c.mcp == nil {
		return nil
	}
	return c.mcp.close()
}

// do makes one control-plane call: the MCP tool with args when the client
// was built WithMCP, else the REST request. The result is decoded into out
// (which may be nil) either way.
func (c *Client) do(ctx context.Context, tool string, args any, req *transport.Request, out any) error {
	if c.mcp != nil {
		return c.mcp.call(ctx, tool, args, out)
	}
	_, err := c.rest.Do(ctx, req, out)
	return err
}

// String describes the client without its key.
func (c *Client) String() string {
	if c.rest == nil {
		return "munin.Client{}" // not built by NewClient
	}
	mode := "rest"
	if c.mcp != nil {
		mode = "mcp"
	}
	return fmt.Sprintf("munin.Client{%s, %s}", c.rest.BaseURL().Redacted(), mode)
}

// Format prints String for every verb, so no verb can reach the key.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// WidgetClient pushes a chat widget's transcript into Munin and reads the
// widget's side of it, with a widget key (mn_widget_…) bound to one channel.
// It is safe for concurrent use.
type WidgetClient struct {
	rest      *transport.Client
	channelID string
}

// NewWidgetClient returns a WidgetClient that authenticates with widgetKey,
// a key that starts with "mn_widget_". WithOrigin and WithChannel are
// required: Munin refuses a call without an allowlisted Origin (403
// origin_required), and every widget call names the key's channel.
func NewWidgetClient(widgetKey string, opts ...Option) (*WidgetClient, error) {
	s, err := newSettings(widgetKey, widgetKeyPrefix, "widget key", opts)
	if err != nil {
		return nil, err
	}
	switch {
	case s.origin == "":
		return nil, errors.New("munin: WithOrigin is required: Munin answers 403 origin_required to a widget call without an allowlisted Origin")
	case s.channelID == "":
		return nil, errors.New("munin: WithChannel is required: every widget call names the widget key's channel")
	case s.mcp:
		return nil, errors.New("munin: WithMCP applies to the admin client only")
	case s.echoes != nil:
		return nil, errors.New("munin: WithEchoFilter applies to the admin client only")
	}
	rest, err := transport.New(s.config)
	if err != nil {
		return nil, fmt.Errorf("munin: %w", err)
	}
	return &WidgetClient{rest: rest, channelID: s.channelID}, nil
}

// ChannelID returns the channel the client was made for.
func (w *WidgetClient) ChannelID() string { return w.channelID }

// String describes the client without its key.
func (w *WidgetClient) String() string {
	if w.rest == nil {
		return "munin.WidgetClient{}" // not built by NewWidgetClient
	}
	return fmt.Sprintf("munin.WidgetClient{%s, channel %s}", w.rest.BaseURL().Redacted(), w.channelID)
}

// Format prints String for every verb, so no verb can reach the key.
func (w *WidgetClient) Format(f fmt.State, _ rune) { io.WriteString(f, w.String()) }

// settings collects what the options chose before a constructor builds the
// client from it.
type settings struct {
	config    transport.Config
	key       transport.Secret
	origin    string
	channelID string
	prefix    string
	mcp       bool
	mcpURL    string
	echoes    *EchoFilter
}

// newSettings checks key and applies opts to the defaults.
func newSettings(key, keyPrefix, what string, opts []Option) (*settings, error) {
	switch {
	case key == "":
		return nil, fmt.Errorf("munin: %s is empty", what)
	case !strings.HasPrefix(key, keyPrefix):
		return nil, fmt.Errorf("munin: %s must start with %q", what, keyPrefix)
	case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		// It goes into a header, where net/http would refuse it on every
		// attempt; Munin's keys are base64url.
		return nil, fmt.Errorf("munin: %s contains white space or a control character", what)
	}
	s := &settings{config: transport.DefaultConfig("munin", DefaultBaseURL), key: transport.NewSecret(key)}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("munin: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, fmt.Errorf("munin: %w", err)
		}
	}
	if s.prefix != "" {
		// Request paths are relative ("v1/…"), so a prefix is a longer
		// base path.
		u, err := url.Parse(s.config.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("munin: base URL: %w", err)
		}
		u.Path = strings.TrimRight(u.Path, "/") + "/" + s.prefix
		s.config.BaseURL = u.String()
	}
	origin := s.origin
	s.config.Secrets = append(s.config.Secrets, s.key)
	s.config.Authorize = func(h http.Header) {
		h.Set("Authorization", "Bearer "+s.key.Value())
		if origin != "" {
			h.Set("Origin", origin)
		}
	}
	s.config.DecodeError = decodeError
	s.config.RetryAfter = retryAfter
	return s, nil
}
