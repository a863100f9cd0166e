//go:build unix

package oracle

import "syscall"

// runAsAttr makes a child process run as uid:gid with no supplementary
// groups, as `runuser -u USER --` does, without a PAM session.
func runAsAttr(uid, gid uint32) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
}
