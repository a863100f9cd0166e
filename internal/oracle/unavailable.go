package oracle

import (
	"fmt"
	"os"
	"testing"
)

// Unavailable ends a test whose oracle this machine lacks (apt-get,
// dpkg-deb, systemd, root): it skips it, except under CI=true, where the
// differential tests are the point of the run and a skip would let a CI
// machine without them pass; there it fails.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the differential tests must run; .ci/run installs what they need)", msg)
	}
	t.Skip(msg)
}
