// Package demo is the plumbing the example programs share, so that each
// program's main.go reads as the flow it shows: a main that turns Ctrl-C
// into a cancelled context and an error into exit status 1, a flag set that
// reports instead of exiting, a local HTTP server, the reading of secrets
// from the environment, a transcript printer, and the lines a scripted or
// interactive chat reads.
//
// It is internal to examples/: nothing in the SDK may import it.
package demo
