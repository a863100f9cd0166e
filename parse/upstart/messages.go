package upstart

// The error strings of this file are upstart's own messages, capitalised
// as upstart prints them, so that a user can look them up (SPEC §3.2).
//
//lint:file-ignore ST1005 upstart's own messages, verbatim

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

// Upstart's messages of the stanzas' arguments (init/errors.h).
var (
	errIllegalInterval = errors.New("Illegal interval, expected number of seconds")
	errIllegalExit     = errors.New("Illegal exit status, expected integer")
	errIllegalSignal   = errors.New("Illegal signal status, expected integer")
	errIllegalUmask    = errors.New("Illegal file creation mask, expected octal integer")
	errIllegalNice     = errors.New("Illegal nice value, expected -20 to 19")
	errIllegalOOM      = errors.New("Illegal oom adjustment, expected -16 to 15 or 'never'")
	errIllegalOOMScore = errors.New("Illegal oom score adjustment, expected -999 to 1000 or 'never'")
	errIllegalLimit    = errors.New("Illegal limit, expected 'unlimited' or integer")
)
