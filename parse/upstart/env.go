package upstart

import (
	"path"
	"strings"
)

// This file matches the arguments of an event match against the
// environment an event carries, as upstart's event_operator_match does:
// positional values, KEY=GLOB and KEY!=GLOB with fnmatch(3) patterns, and
// the $VAR of a job's env expanded first.

// unknownIf is unknownValue when b holds, else the empty value.
func unknownIf(b bool) string {
	if b {
		return unknownValue
	}
	return ""
}

// Special values of an event's environment for matchEnv.
const (
	unknownValue = "\x00unknown" // not known statically: every pattern matches
	absentValue  = "\x00absent"  // not set: KEY=... fails, KEY!=... holds
)

// expandArgs replaces $VAR and ${VAR} in args with the job's env.
func expandArgs(j *Job, args []string) []string {
	out := make([]string, len(args))
	for k, a := range args {
		out[k] = expandVars(a, j.Env)
	}
	return out
}

// expandVars replaces $VAR and ${VAR} in s with their values in env; a
// variable env does not set is left as written.
func expandVars(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		start, j, name := i, i+1, ""
		if s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				b.WriteByte(s[i])
				continue
			}
			name, i = s[j+1:j+end], j+end
		} else {
			k := j
			for k < len(s) && isNameByte(s[k]) {
				k++
			}
			name, i = s[j:k], k-1
		}
		if v, ok := env[name]; ok && name != "" {
			b.WriteString(v)
		} else {
			b.WriteString(s[start : i+1])
		}
	}
	return b.String()
}

// isNameByte reports whether c may be in a shell variable's name.
func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matchEnv reports whether the arguments of an event match (upstart
// event_operator_match): positional arguments match the values of env in
// order, KEY=GLOB the value of KEY, KEY!=GLOB anything else; globs are
// fnmatch patterns. A value that is not known statically (unknownValue,
// or one with a $VAR in it) matches every pattern; "*=" gives the value of
// every key env does not list.
func matchEnv(args, env []string) bool {
	pos := 0
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "!="); ok && !strings.Contains(k, "=") {
			val, found := lookupEnv(env, k)
			if found && val != absentValue && !unknown(val) && fnmatch(v, val) {
				return false
			}
			continue
		}
		if k, v, ok := strings.Cut(a, "="); ok {
			val, found := lookupEnv(env, k)
			if !found || val == absentValue || !unknown(val) && !fnmatch(v, val) {
				return false
			}
			continue
		}
		for pos < len(env) && strings.HasPrefix(env[pos], "*=") {
			pos++
		}
		if pos >= len(env) {
			return false
		}
		_, val, _ := strings.Cut(env[pos], "=")
		pos++
		if !unknown(val) && !fnmatch(a, val) {
			return false
		}
	}
	return true
}

// unknown reports whether val is not known statically.
func unknown(val string) bool { return val == unknownValue || strings.Contains(val, "$") }

// lookupEnv returns the value of key in env, else the value of its "*="
// entry, if it has one.
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "*="); ok {
			return v, true
		}
	}
	return "", false
}

// fnmatch matches s against the shell pattern p, with "[!...]" as well as
// "[^...]" for a negated class.
func fnmatch(p, s string) bool {
	p = strings.ReplaceAll(p, "[!", "[^")
	ok, err := path.Match(p, s)
	return err == nil && ok
}
