package upstart

import "errors"

// Upstart's own messages (init/errors.h, nih/errors.h), kept verbatim
// so that they can be looked up.
var (
	errExpectedToken     = errors.New("Expected token")
	errUnexpectedToken   = errors.New("Unexpected token")
	errTrailingSlash     = errors.New("Trailing slash in file")
	errUnterminatedQuote = errors.New("Unterminated quoted string")
	errUnterminatedBlock = errors.New("Unterminated block")
	errUnknownStanza     = errors.New("Unknown stanza")
	errExpectedEvent     = errors.New("Expected event")
	errExpectedOperator  = errors.New("Expected operator")
	errExpectedVariable  = errors.New("Expected variable name before value")
	errMismatchedParens  = errors.New("Mismatched parentheses")
)
