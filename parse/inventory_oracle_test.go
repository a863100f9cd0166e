package parse

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/oracle"
)

// TestInventoryAnsible reads each sample inventory of testdata/inventory
// (written by us) with ReadInventory and with ansible-inventory --list
// (Debian's ansible-core): the same hosts in the same groups, the same
// child groups, and each host's string variables (initorder_root among
// them) resolved with the same precedence. The bad-*.ini samples are
// refused by both.
func TestInventoryAnsible(t *testing.T) {
	bin, err := exec.LookPath("ansible-inventory")
	if err != nil {
		oracle.Unavailable(t, "ansible-inventory not installed (Debian package ansible-core)")
	}
	files, _ := filepath.Glob("testdata/inventory/*")
	if len(files) < 4 {
		t.Fatalf("only %d sample inventories", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			inv, errs := ReadInventory(data, file)
			want, aerr := ansibleList(t, bin, file)
			bad := strings.HasPrefix(filepath.Base(file), "bad-")
			switch {
			case bad && (inv != nil || aerr == nil):
				t.Fatalf("a bad inventory: ReadInventory gives %v (errors %v), ansible-inventory %v", inv != nil, errs, aerr)
			case bad:
				t.Logf("refused by both: %v / %v", errs, aerr)
				return
			case aerr != nil:
				t.Fatalf("ansible-inventory: %v", aerr)
			case inv == nil:
				t.Fatalf("ReadInventory: %v", errs)
			}
			for name, g := range want.groups {
				ours := inv.Groups[name]
				if ours == nil {
					t.Errorf("group %s: ansible-inventory has it, ReadInventory not", name)
					continue
				}
				// ansible-inventory lists no hosts under all: every host is in it.
				if got := sorted(ours.Hosts); name != "all" && !slices.Equal(got, sorted(g.Hosts)) {
					t.Errorf("group %s hosts = %q, ansible-inventory %q", name, got, sorted(g.Hosts))
				}
				if got := sorted(ours.Children); !slices.Equal(got, sorted(g.Children)) {
					t.Errorf("group %s children = %q, ansible-inventory %q", name, got, sorted(g.Children))
				}
			}
			for name, g := range inv.Groups {
				if _, ok := want.groups[name]; !ok && name != "all" && (len(g.Hosts) > 0 || len(g.Children) > 0) {
					t.Errorf("group %s: ReadInventory has it with hosts %q and children %q, ansible-inventory not", name, g.Hosts, g.Children)
				}
			}
			if got, w := sorted(slices.Collect(maps.Keys(inv.Hosts))), sorted(slices.Collect(maps.Keys(want.hostvars))); !slices.Equal(got, w) {
				t.Errorf("hosts = %q, ansible-inventory %q", got, w)
			}
			nvars := 0
			for host, vars := range want.hostvars {
				for k, v := range vars {
					s, ok := v.(string)
					if !ok {
						continue
					}
					nvars++
					if got, _ := inv.HostVar(host, k); got.Value != s {
						t.Errorf("host %s: %s = %q, ansible-inventory %q", host, k, got.Value, s)
					}
				}
				if _, ok := vars["initorder_root"]; !ok {
					if got, ok := inv.HostVar(host, "initorder_root"); ok {
						t.Errorf("host %s: initorder_root = %q, ansible-inventory has none", host, got.Value)
					}
				}
			}
			t.Logf("%d hosts, %d groups, %d string variables agree", len(inv.Hosts), len(want.groups), nvars)
		})
	}
}

type ansibleInventory struct {
	groups   map[string]ansibleGroup
	hostvars map[string]map[string]any
}

type ansibleGroup struct {
	Hosts    []string `json:"hosts"`
	Children []string `json:"children"`
}

// ansibleList runs ansible-inventory -i file --list with the ini and
// yaml plugins only (the script plugin would run an executable file), in
// a HOME of its own, failing on a file it cannot parse.
func ansibleList(t *testing.T, bin, file string) (ansibleInventory, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, "-i", file, "--list")
	cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_LOCAL_TEMP="+home, "ANSIBLE_INVENTORY_ENABLED=ini,yaml",
		"ANSIBLE_INVENTORY_UNPARSED_FAILED=true", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true", "ANSIBLE_NOCOLOR=1")
	out, err := cmd.Output()
	if err != nil {
		return ansibleInventory{}, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("ansible-inventory --list: %v\n%s", err, out)
	}
	inv := ansibleInventory{groups: map[string]ansibleGroup{}}
	for k, v := range raw {
		if k == "_meta" {
			var meta struct {
				Hostvars map[string]map[string]any `json:"hostvars"`
			}
			if err := json.Unmarshal(v, &meta); err != nil {
				t.Fatal(err)
			}
			inv.hostvars = meta.Hostvars
			continue
		}
		var g ansibleGroup
		if err := json.Unmarshal(v, &g); err != nil {
			t.Fatal(err)
		}
		inv.groups[k] = g
	}
	// A host with no variables has no hostvars entry: list every host.
	for _, g := range inv.groups {
		for _, h := range g.Hosts {
			if inv.hostvars[h] == nil {
				inv.hostvars[h] = map[string]any{}
			}
		}
	}
	return inv, nil
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}
