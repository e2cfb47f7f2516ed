package redisstore

// CASSource is the compare-and-swap script, for the test that checks it
// touches only KEYS[1].
const CASSource = casSource
