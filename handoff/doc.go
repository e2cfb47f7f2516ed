// Package handoff tells a bot whether it may speak. A bot in front of a
// human desk must not talk over the human who took a conversation over:
// when a human writes, the bot keeps quiet for a grace period, then
// resumes. The package keeps that state per conversation, on memory or, for
// many bot replicas, on Redis (botbridge/handoff/redisstore).
//
// # States
//
// Every conversation is in one of three states:
//
//	Bot      the bot owns it and may reply. A conversation nothing has
//	         happened to is in Bot; no record is stored for it.
//	Pending  a handover was requested and no human has acted yet. The bot
//	         keeps quiet until a human acts, the request times out
//	         (Policy.PendingTimeout, 15 minutes), or it is handed back.
//	Human    a human owns it until the grace period (Policy.Grace, 30
//	         minutes) after their latest activity, or an explicit hold.
//
// Events move a conversation between them: human activity (a message,
// joining, typing, reopening) makes it Human and slides the grace period; a
// handover request makes a Bot conversation Pending, unless the optional
// business-hours Calendar is closed, in which case the bot keeps it and the
// refusal is reported; a take-over holds it for [Event.Hold], capped; a
// hand-back, a close or the end of the session gives it to the bot; user
// messages and the bot's own messages change nothing. [Apply] holds these
// rules as a pure function; its documentation lists them all.
//
// Deadlines are applied lazily, whenever a record is read, so nothing needs
// a goroutine. [WithSweeping] and [Controller.RunSweeper] add one for bots
// that want to hear of a hand-back when the grace period ends rather than
// at the conversation's next event.
//
// # The three calls a bot makes
//
// Make one [Controller] per process and share it:
//
//	ctl, err := handoff.New(nil) // a MemoryStore; redisstore.New(client) for several replicas
//
// Observe every vendor event, including the bot's own echoed messages.
// The vendor packages translate their webhooks (munin.HandoffEvent and its
// siblings); a redelivered event (same ID) or a late one changes nothing:
//
//	if _, err := ctl.Observe(ctx, ev); err != nil {
//		return err // answer the webhook with an error: the vendor delivers it again
//	}
//
// Decide before composing a reply, and Commit just before sending it:
//
//	d, err := ctl.Decide(ctx, conversationID)
//	if err != nil || !d.Allow {
//		return err // a human owns the conversation, or the store failed: stay quiet
//	}
//	reply := generate(ctx, message) // a slow LLM call, during which a human may write
//	if err := ctl.Commit(ctx, d); err != nil {
//		return nil // ErrStale: the conversation changed meanwhile; drop the reply
//	}
//	send(reply)
//
// Commit compares the decision's [Token] with the record's version: any
// change since Decide — a human message, a take-over, a handover request —
// fails it with [ErrStale]. A store error fails closed: Decide answers "do
// not reply" together with the error, and nothing falls back to local
// memory.
//
// # Stores
//
// A [Store] keeps one [Record] per conversation and changes it only by
// compare-and-swap on its version; the Controller retries a lost race a
// bounded number of times. [MemoryStore], the default, is sharded and
// evicts idle records after a TTL. Any Store can be checked with
// handofftest.RunStoreTests, which also provides a fake clock for tests.
//
// # Observers
//
// [OnTransition] observers are called once for every stored change of owner
// — once in total, however many replicas saw the event — and for every
// refused handover (once per event ID), after the store has it.
package handoff
