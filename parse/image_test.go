package parse

import (
	"strings"
	"testing"

	"github.com/initorder/initorder/parse/rootfs"
)

func TestImageNote(t *testing.T) {
	tests := []struct {
		name            string
		entrypoint, cmd []string
		want            string // a part of the note; "" for none
	}{
		{"systemd", nil, []string{"/lib/systemd/systemd"}, ""},
		{"sbin-init", nil, []string{"/sbin/init"}, ""},
		{"init-args", []string{"/usr/sbin/init"}, []string{"--log-level=debug"}, ""},
		{"upstart", nil, []string{"/sbin/upstart", "--debug"}, ""},
		{"shell-exec-init", nil, []string{"/bin/sh", "-c", "exec /sbin/init"}, ""},
		{"nginx", []string{"/docker-entrypoint.sh"}, []string{"nginx", "-g", "daemon off;"}, `the image's command /docker-entrypoint.sh nginx -g 'daemon off;' is not an init system`},
		{"shell", nil, []string{"/bin/bash"}, "command /bin/bash is not an init system"},
		{"shell-c", nil, []string{"sh", "-c", "nginx"}, "command sh -c nginx is not an init system"},
		{"tini", []string{"/usr/bin/tini", "--"}, []string{"app"}, "command /usr/bin/tini -- app is not an init system"},
		{"empty", nil, nil, "the image configures no command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ImageNote(&rootfs.Image{Entrypoint: tc.entrypoint, Cmd: tc.cmd})
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("ImageNote(%q, %q) = %q, want %q", tc.entrypoint, tc.cmd, got, tc.want)
			}
		})
	}
	if got := ImageNote(nil); got != "" {
		t.Errorf("ImageNote(nil) = %q, want none", got)
	}
}
