// Package fakeservertest holds what the vendor fakes' own tests share
// (munintest, moveotest, altabotstest, certainlytest): Send, which sends a
// request to a fake and reads its answer; Receiver, an endpoint that
// records the webhooks or desk calls a fake makes; and Context, bounded so
// that a hang fails the test instead of stalling it. It is for tests only:
// every helper fails its testing.TB rather than return an error.
package fakeservertest
