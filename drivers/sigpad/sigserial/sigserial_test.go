package sigserial

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"", "no device path"},
		{filepath.Join(t.TempDir(), "nope"), "is the pad plugged in"},
	} {
		_, err := Open(c.path, 19200)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sigserial: ") {
			t.Errorf("Open(%q): %v, want %q", c.path, err, c.want)
		}
	}
	// A file that is not a tty.
	p := filepath.Join(t.TempDir(), "file")
	if err := writeFile(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p, 19200); err == nil || !strings.HasPrefix(err.Error(), "sigserial: "+p) {
		t.Errorf("regular file: %v", err)
	}
}
