// Package fakeserver holds the infrastructure the vendor fakes
// (munin/munintest, moveo/moveotest and the ones to come) share: the fake
// Clock, the loopback HTTP server with its connection tracking and Close
// semantics, and random identifiers. Each fake keeps its own exported API
// and re-exports what it needs from here, so that the code lives in one
// place (DESIGN.md §2).
package fakeserver
