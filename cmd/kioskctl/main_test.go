package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs kioskctl with args and returns exit status, stdout, stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestHelpAndUnknown(t *testing.T) {
	code, out, _ := runCLI(t, "", "help")
	if code != 0 || !strings.Contains(out, "config defaults") {
		t.Errorf("help: %d %q", code, out)
	}
	code, _, errs := runCLI(t, "", "frobnicate")
	if code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown: %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "config")
	if code != 2 || !strings.Contains(errs, "config check") {
		t.Errorf("topic: %d %q", code, errs)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[ui]\nwidht = 3\n"), 0o644)
	code, _, errs := runCLI(t, "", "config", "check", bad)
	if code != 2 || !strings.Contains(errs, "bad.toml:2") || !strings.Contains(errs, "ui.widht") {
		t.Errorf("bad: %d %q", code, errs)
	}
	code, out, _ := runCLI(t, "", "config", "defaults", "--profile", "appliance")
	if code != 0 || !strings.Contains(out, "sam:/dev/idreader") {
		t.Errorf("defaults: %d %q", code, out)
	}
}
