package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// verifyUnit runs systemd-analyze verify on a unit whose ExecStart binary
// is replaced by a stand-in (the real one is not installed here) and
// returns what it complained about: any output, warnings included.
func verifyUnit(t *testing.T, unit []byte, name, binary string) string {
	t.Helper()
	dir := t.TempDir()
	stand := filepath.Join(dir, filepath.Base(binary))
	write(t, stand, []byte("#!/bin/sh\n"), 0o755)
	text := strings.ReplaceAll(string(unit), binary, stand)
	path := filepath.Join(dir, name)
	write(t, path, []byte(text), 0o644)
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	msg := strings.TrimSpace(string(out))
	if err != nil && msg == "" {
		msg = err.Error()
	}
	return msg
}

func needAnalyze(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed (apt-get install systemd): cannot verify the units")
	}
}

func TestUnitsVerify(t *testing.T) {
	needAnalyze(t)
	for _, u := range []struct{ file, binary string }{
		{"kiosk.service", "/usr/bin/kiosk"},
		{"centrald.service", "/usr/bin/centrald"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "systemd", u.file))
		if err != nil {
			t.Fatal(err)
		}
		if msg := verifyUnit(t, data, u.file, u.binary); msg != "" {
			t.Errorf("systemd-analyze verify %s:\n%s", u.file, msg)
		}
	}
}

// TestUnitsVerifyCatchesMistakes shows the check above can fail.
func TestUnitsVerifyCatchesMistakes(t *testing.T) {
	needAnalyze(t)
	data, _ := os.ReadFile("../systemd/kiosk.service")
	bad := strings.Replace(string(data), "Type=notify", "Type=notifyy", 1)
	if msg := verifyUnit(t, []byte(bad), "kiosk.service", "/usr/bin/kiosk"); !strings.Contains(msg, "notifyy") {
		t.Fatalf("a bad Type= passed verification: %q", msg)
	}
	missing := strings.Replace(string(data), "/usr/bin/kiosk", "/nonexistent/kiosk", 1)
	if msg := verifyUnit(t, []byte(missing), "kiosk.service", "/usr/bin/kiosk"); !strings.Contains(msg, "not executable") {
		t.Fatalf("a missing binary passed verification: %q", msg)
	}
}

// unitKeys reads a unit file's assignments: "Section.Key" -> values.
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, _ := strings.Cut(line, "=")
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestKioskUnitContract(t *testing.T) {
	u := unitKeys(t, "../systemd/kiosk.service")
	for key, want := range map[string]string{
		"Service.Type":                "notify",
		"Service.ExecStart":           "/usr/bin/kiosk --config /etc/kiosk/kiosk.toml",
		"Service.Restart":             "always",
		"Service.User":                "kiosk",
		"Service.SupplementaryGroups": "video dialout gpio audio",
		"Service.ProtectSystem":       "strict",
		"Service.ReadWritePaths":      "/var/lib/kiosk",
		"Service.ProtectHome":         "yes",
		"Service.PrivateTmp":          "yes",
		"Service.NoNewPrivileges":     "yes",
		"Service.DevicePolicy":        "closed",
		"Install.WantedBy":            "multi-user.target graphical.target",
	} {
		if got := u[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if len(u["Service.WatchdogSec"]) != 1 {
		t.Error("no WatchdogSec")
	}
	allowed := strings.Join(u["Service.DeviceAllow"], ",")
	for _, dev := range []string{"char-ttyUSB rw", "char-ttyACM rw", "char-video4linux rw", "char-gpiochip rw", "char-drm rw", "char-alsa rw"} {
		if !strings.Contains(allowed, dev) {
			t.Errorf("DeviceAllow lacks %s: the kiosk could not open it", dev)
		}
	}
	if _, ok := u["Service.PrivateDevices"]; ok {
		t.Error("PrivateDevices would hide the kiosk's devices")
	}
	if _, ok := u["Service.MemoryDenyWriteExecute"]; ok {
		t.Error("MemoryDenyWriteExecute breaks Mesa's software GL")
	}
}
