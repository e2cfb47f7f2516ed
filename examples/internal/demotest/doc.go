// Package demotest runs an example program in a test, the way a user runs
// it, and returns what it printed: Run and RunErr for a program that ends,
// Start for one that serves until stopped, InOrder to check a transcript,
// Stdin to type into a program, and Forward for a fake vendor that must
// know a program's URL before the program runs.
package demotest
