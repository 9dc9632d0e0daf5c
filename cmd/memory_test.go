package cmd

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFiles writes name → content under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCgroupRoom(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		room    uint64
		path    string
		limited bool
	}{
		{
			name: "v2 leaf limit",
			files: map[string]string{
				"proc":                                "0::/user.slice/run.scope\n",
				"sys/user.slice/run.scope/memory.max": "1073741824\n",
				"sys/user.slice/run.scope/memory.current": "73741824\n",
				"sys/user.slice/memory.max":               "max\n",
				"sys/user.slice/memory.current":           "500000000\n",
			},
			room: 1000000000, path: "/user.slice/run.scope", limited: true,
		},
		{
			name: "v2 parent tighter",
			files: map[string]string{
				"proc":                   "0::/a/b\n",
				"sys/a/b/memory.max":     "4000000000\n",
				"sys/a/b/memory.current": "0\n",
				"sys/a/memory.max":       "3000000000\n",
				"sys/a/memory.current":   "2500000000\n",
			},
			room: 500000000, path: "/a", limited: true,
		},
		{
			name: "v2 no limit",
			files: map[string]string{
				"proc":                 "0::/a\n",
				"sys/a/memory.max":     "max\n",
				"sys/a/memory.current": "12345\n",
			},
		},
		{
			name: "v1 memory controller, namespaced path missing: read the root",
			files: map[string]string{
				"proc":                             "5:cpu,cpuacct:/x\n4:memory:/docker/abc\n0::/\n",
				"sys/memory/memory.limit_in_bytes": "2147483648\n",
				"sys/memory/memory.usage_in_bytes": "147483648\n",
			},
			room: 2000000000, path: "/", limited: true,
		},
		{
			name: "v1 unlimited",
			files: map[string]string{
				"proc":                             "4:memory:/\n",
				"sys/memory/memory.limit_in_bytes": "9223372036854771712\n",
				"sys/memory/memory.usage_in_bytes": "147483648\n",
			},
		},
		{
			name: "over the limit: no room",
			files: map[string]string{
				"proc":                 "0::/a\n",
				"sys/a/memory.max":     "1000\n",
				"sys/a/memory.current": "2000\n",
			},
			room: 0, path: "/a", limited: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tc.files)
			room, path, ok := cgroupRoom(filepath.Join(root, "proc"), filepath.Join(root, "sys"))
			if ok != tc.limited || room != tc.room || path != tc.path {
				t.Errorf("cgroupRoom = %d, %q, %v; want %d, %q, %v", room, path, ok, tc.room, tc.path, tc.limited)
			}
		})
	}
}
