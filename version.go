package botbridge

// Version is the botbridge release this module is. Clients send it in their
// User-Agent header as botbridge/<Version>.
const Version = "0.1.0"
