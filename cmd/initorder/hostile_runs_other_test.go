//go:build !linux

package main

import "testing"

// hostileIssue19 is Linux's: its inputs and watches are made with Linux
// system calls (mkdirat chains, renameat2, inotify).
func hostileIssue19(t *testing.T) { t.Skip("the issue 19 runs use Linux system calls") }
