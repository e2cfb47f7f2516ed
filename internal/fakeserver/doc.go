// Package fakeserver holds what the vendor fakes (munin/munintest,
// moveo/moveotest, altabots/altabotstest, certainly/certainlytest) share,
// so that it is written once (DESIGN.md §2):
//
//   - the fake Clock, and WaitFor, WaitLocked and Signal to wait on it
//     and on a fake's state without sleeping;
//   - Server, the loopback HTTP server with its connection tracking and
//     Close semantics, the workers (Go) and timers (AfterFunc) that Close
//     stops and waits for, and Post, the calls a fake makes to the code
//     under test (webhooks, a desk's endpoints);
//   - Config, the options every fake has (WithClock, WithLatency, …),
//     Lift to make them a fake's own, and Configure;
//   - Faults, the table behind every fake's FailNext;
//   - RequestLog and the redaction of credentials in what a fake records
//     (RedactAuthorization, RedactAdded);
//   - random identifiers.
//
// Each fake keeps its own exported API and re-exports what it needs from
// here. The helpers the fakes' tests share are in fakeservertest.
package fakeserver
