//go:build !unix

package oracle

import "syscall"

// runAsAttr does nothing where there are no user ids: systemd --test needs
// Linux anyway, and RunSystemdTest skips without /lib/systemd/systemd.
func runAsAttr(uid, gid uint32) *syscall.SysProcAttr { return nil }
