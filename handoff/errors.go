package handoff

import "errors"

var (
	// ErrStale is returned by [Controller.Commit] when the conversation
	// changed after the [Decision] was made: a human wrote, took over or
	// a handover was requested while the bot was composing its reply.
	// Drop the reply.
	ErrStale = errors.New("handoff: conversation changed since the decision")

	// ErrNotAllowed is returned by [Controller.Commit] for a Decision
	// that did not allow a reply: there is nothing to commit.
	ErrNotAllowed = errors.New("handoff: the decision did not allow a reply")

	// ErrContention is returned by [Controller.Observe] when other
	// writers changed the conversation on every attempt to store the
	// event. Nothing was stored; deliver the event again.
	ErrContention = errors.New("handoff: too many concurrent changes to the conversation")

	// ErrInvalidEvent wraps the reason an [Event] cannot be observed; the
	// message names the field.
	ErrInvalidEvent = errors.New("handoff: invalid event")

	// ErrInvalidRecord is returned when stored bytes are not a record
	// written by [Record.MarshalBinary].
	ErrInvalidRecord = errors.New("handoff: invalid record encoding")
)
