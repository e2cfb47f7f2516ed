package munin

// ConversationsService reads Munin conversations and acts on them. Get it
// from Client.Conversations.
type ConversationsService struct{ c *Client }

// ChannelsService creates and manages widget channels. Get it from
// Client.Channels.
type ChannelsService struct{ c *Client }

// WebhooksService manages webhook subscriptions. Get it from
// Client.Webhooks.
type WebhooksService struct{ c *Client }
