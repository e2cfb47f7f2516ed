// Package redisstore is a [handoff.Store] kept in Redis, so that every
// replica of a bot decides from the same record of who owns a conversation:
// a human message observed by one replica silences the bot on all of them,
// and a reply fenced with [handoff.Controller.Commit] on one replica is
// dropped when another replica observed a human in the meantime.
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs:    []string{os.Getenv("REDIS_ADDR")}, // two or more addresses: a Cluster client
//		Password: os.Getenv("REDIS_PASSWORD"),
//	})
//	defer rdb.Close()
//	store, err := redisstore.New(rdb)
//	if err != nil {
//		return err
//	}
//	ctl, err := handoff.New(store)
//
// # What it stores
//
// One Redis hash per conversation, at the key
//
//	botbridge:handoff:{<conversation>}
//
// ([WithKeyPrefix] changes the prefix; [Store.Key] returns a key) with two
// fields: "v", the record's version in decimal, and "r", the record as
// [handoff.Record.MarshalBinary] encodes it (under a hundred bytes). The version
// is kept beside the bytes so the compare-and-swap can compare it without
// decoding; a record whose "r" does not decode, or decodes to another
// version than "v" says, is an error wrapping [handoff.ErrInvalidRecord].
//
// # Redis Cluster
//
// The conversation is the key's hash tag (the part in braces), and every
// command the Store sends, the compare-and-swap script included, touches
// that one key only. A Cluster client therefore sends each command to the
// node that holds the conversation, and records of different conversations
// spread over the cluster. For the same reason the prefix may not contain a
// brace.
//
// # Expiry
//
// Every write sets the key's TTL to the time left until the record's Until
// plus the idle TTL ([WithIdleTTL], 24 hours by default), so Redis forgets a
// conversation a day after nothing more can happen to it. An absent record
// reads as the bot's conversation, which is what the forgotten record said
// by then. A record that is not the bot's and has no Until (a handover that
// waits for a human with no timeout) is kept until something changes it.
//
// # Round trips
//
// [Store.Get] is one HMGET, [Store.Delete] one DEL and
// [Store.CompareAndSwap] one EVALSHA of a Lua script that compares the
// version and writes the record, its version and its TTL atomically; when
// the version does not match, the same reply carries the stored record, so
// the caller retries without reading again. The exception: the first
// compare-and-swap after Redis lost its script cache (a restart, a
// failover, SCRIPT FLUSH; on a Cluster, the first on each node) costs one
// more round trip, the EVAL that loads the script again.
//
// The Store also remembers the record it last read or wrote for each
// conversation ([WithHintCache], 10,000 conversations by default) and
// offers it as a [handoff.Hinter] hint. With it, a Controller stores an
// event in one round trip: [handoff.Controller.Observe] is one
// compare-and-swap when the hint is current, and one more when another
// replica changed the conversation since. [handoff.Controller.Decide] and
// [handoff.Controller.Commit] are one Get each.
//
// # Errors
//
// Every error names the operation and the conversation, and wraps what
// go-redis returned ([context.Canceled] and [context.DeadlineExceeded]
// included), so errors.Is works through it. The Store never logs and adds
// nothing of the client's configuration to an error; a go-redis error it
// wraps may name the server's address, never its password.
// Per the [handoff.Store] contract, a version mismatch is not an error, and
// the Controller fails closed on a store error: the bot stays quiet.
package redisstore
