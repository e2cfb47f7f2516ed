package munintest

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/botbridge/botbridge/munin"
)

// Dashboard acts as a human in Munin's dashboard: a Munin user who replies
// to visitors, takes conversations over, hands them back, assigns and
// closes them. Its actions go through the same service as the API, so they
// emit the same events: a reply is conversation.message.sent with
// authorType "user" (and conversation.taken_over the first time), which is
// what tells a bot to step back (munin-api-reference.md §6).
//
// Errors carry Munin's message, such as "conv_not_found: conversation …".
type Dashboard struct {
	s *Server
	u *user
}

// Dashboard returns the dashboard of the org's support agent, a Munin user
// (not the admin key's creator, so the agent's claims block the bot's
// posts).
func (s *Server) Dashboard() *Dashboard { return &Dashboard{s: s, u: s.agent} }

// UserID returns the Munin user's id: 32 letters and digits with no "usr_"
// prefix (§7).
func (d *Dashboard) UserID() string { return d.u.id }

// Name returns the user's full name; the widget feed shows the first word.
func (d *Dashboard) Name() string { return d.u.name }

func (d *Dashboard) op() *op { return d.s.newOp(userActor(d.u)) }

// Reply posts body to the visitor as the user (authorType "user"). Like a
// reply from Munin's dashboard it claims the conversation for 30 minutes
// (conversation.taken_over on a new claim; a refresh emits nothing), clears
// the handover flag, and fires conversation.message.sent.
func (d *Dashboard) Reply(conversationID, body string) (munin.Message, error) {
	if body == "" {
		return munin.Message{}, errors.New("munintest: Reply: empty body")
	}
	m, err := d.s.sendMessage(d.op(), conversationID, sendInput{body: body}, "user")
	return toMessage(m, err)
}

// Note posts an internal note as the user: staff-only, no event.
func (d *Dashboard) Note(conversationID, body string) (munin.Message, error) {
	if body == "" {
		return munin.Message{}, errors.New("munintest: Note: empty body")
	}
	m, err := d.s.sendMessage(d.op(), conversationID, sendInput{body: body, internal: true}, "user")
	return toMessage(m, err)
}

// AIReply posts body as Munin's built-in AI (authorType "agent"), which
// fires conversation.message.sent like the bot's own posts do. As Munin's
// AI does, it stays out of a conversation a human has claimed: it then
// fails with handover_active.
func (d *Dashboard) AIReply(conversationID, body string) (munin.Message, error) {
	if body == "" {
		return munin.Message{}, errors.New("munintest: AIReply: empty body")
	}
	o := d.s.newOp(&actor{typ: "admin_agent", id: d.s.aiAgentID, scopes: []string{"*"}})
	m, err := d.s.sendMessage(o, conversationID, sendInput{body: body}, "agent")
	return toMessage(m, err)
}

// TakeOver claims the conversation for ttl (Munin allows 1–240 minutes;
// zero means the default 30), as the dashboard's take-over button does.
// A new claim emits conversation.taken_over; the user's own claim is reset
// to now + ttl. Another user's claim fails with claim_held_by_other.
func (d *Dashboard) TakeOver(conversationID string, ttl time.Duration) (munin.Claim, error) {
	if ttl == 0 {
		ttl = defaultClaimTTL
	}
	if ttl < time.Minute || ttl > 240*time.Minute {
		return munin.Claim{}, errors.New("munintest: TakeOver: ttl must be 1–240 minutes")
	}
	cl, err := d.s.takeOver(d.op(), conversationID, ttl)
	if err != nil {
		return munin.Claim{}, err
	}
	var out munin.Claim
	err = recode(cl, &out)
	return out, err
}

// Release hands the conversation back: conversation.released, if the user
// held a claim.
func (d *Dashboard) Release(conversationID string) error {
	return d.s.release(d.op(), conversationID, false)
}

// Assign assigns the conversation to userID, or unassigns it when userID is
// "" (conversation.assigned). An assignee makes the widget feed's
// handedOver true (§6).
func (d *Dashboard) Assign(conversationID, userID string) error {
	_, err := d.s.assign(d.op(), conversationID, userID)
	return err
}

// Close closes the conversation as the dashboard does: status_changed to
// "closed", the handover flag cleared, the claim released.
func (d *Dashboard) Close(conversationID string) error {
	_, err := d.s.changeStatus(d.op(), conversationID, "closed", nil, true)
	return err
}

// SetStatus changes the status ("open", "snoozed" with until, "closed",
// "spam"); closing releases the claim as Close does.
func (d *Dashboard) SetStatus(conversationID, status string, until time.Time) error {
	if !isStatus(status) {
		return errors.New("munintest: SetStatus: unknown status " + status)
	}
	var u *time.Time
	if !until.IsZero() {
		u = &until
	}
	_, err := d.s.changeStatus(d.op(), conversationID, status, u, true)
	return err
}

func toMessage(m *messageJSON, err error) (munin.Message, error) {
	if err != nil {
		return munin.Message{}, err
	}
	var out munin.Message
	err = recode(m, &out)
	return out, err
}

// recode converts through JSON, the way a client would read the value.
func recode(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
