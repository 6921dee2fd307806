package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaintainerScriptsParse(t *testing.T) {
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if out, err := exec.Command("sh", "-n", filepath.Join("..", "deb", s)).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
		if lint, err := exec.LookPath("shellcheck"); err == nil {
			if out, err := exec.Command(lint, "-s", "sh", filepath.Join("..", "deb", s)).CombinedOutput(); err != nil {
				t.Errorf("shellcheck %s:\n%s", s, out)
			}
		}
	}
}

// runScript runs a maintainer script with every command it calls replaced
// by a stub that logs its arguments (PATH holds only the stubs, so nothing
// on this machine changes). present lists the groups and users getent
// finds.
func runScript(t *testing.T, script string, present []string, args ...string) (log string, err error) {
	t.Helper()
	dir := t.TempDir()
	logf := filepath.Join(dir, "calls.log")
	for _, cmd := range []string{"groupadd", "useradd", "usermod", "systemd-tmpfiles", "install", "udevadm",
		"deb-systemd-helper", "deb-systemd-invoke", "systemctl", "rm"} {
		write(t, filepath.Join(dir, cmd), []byte("#!/bin/sh\necho \"${0##*/} $*\" >> \""+logf+"\"\n"), 0o755)
	}
	// getent DB NAME: found when "DB NAME" is in present.
	getent := "#!/bin/sh\ncase \"$1 $2\" in\n"
	for _, p := range present {
		getent += "\"" + p + "\") exit 0 ;;\n"
	}
	getent += "esac\nexit 2\n"
	write(t, filepath.Join(dir, "getent"), []byte(getent), 0o755)

	cmd := exec.Command("/bin/sh", append([]string{filepath.Join("..", "deb", script)}, args...)...)
	cmd.Env = []string{"PATH=" + dir}
	out, err := cmd.CombinedOutput()
	data, _ := os.ReadFile(logf)
	if len(out) > 0 {
		t.Logf("%s %v said: %s", script, args, out)
	}
	return string(data), err
}

func TestPostinstCreatesUserAndGroups(t *testing.T) {
	// A fresh Debian: video, dialout and audio exist, gpio and kiosk do not.
	log, err := runScript(t, "postinst", []string{"group video", "group dialout", "group audio"}, "configure", "")
	if err != nil {
		t.Fatalf("postinst configure: %v\n%s", err, log)
	}
	for _, want := range []string{
		"groupadd --system gpio\n",
		"useradd --system --user-group --home-dir /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin --comment exam kiosk kiosk\n",
		"usermod --append --groups video,dialout,gpio,audio kiosk\n",
		"systemd-tmpfiles --create /usr/lib/tmpfiles.d/kiosk.conf\n",
		"deb-systemd-helper unmask kiosk.service\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("postinst did not run %q; it ran:\n%s", want, log)
		}
	}
	if strings.Contains(log, "groupadd --system video") || strings.Contains(log, "groupadd --system dialout") {
		t.Errorf("postinst created a group that exists:\n%s", log)
	}
	if strings.Contains(log, "enable centrald") {
		t.Errorf("postinst enabled centrald:\n%s", log)
	}

	// Run again (upgrade): user and groups exist, nothing is created.
	log, err = runScript(t, "postinst", []string{"group video", "group dialout", "group audio", "group gpio", "passwd kiosk"}, "configure", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log, "groupadd") || strings.Contains(log, "useradd") {
		t.Errorf("postinst on upgrade created again:\n%s", log)
	}
	if !strings.Contains(log, "usermod --append --groups video,dialout,gpio,audio kiosk") {
		t.Errorf("postinst on upgrade did not ensure the groups:\n%s", log)
	}

	if _, err := runScript(t, "postinst", nil, "bogus"); err == nil {
		t.Error("postinst accepted an unknown action")
	}
}

func TestPostrmPurgeDeletesState(t *testing.T) {
	log, err := runScript(t, "postrm", nil, "purge")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "rm -rf /var/lib/kiosk\n") {
		t.Errorf("purge did not delete the state:\n%s", log)
	}
	log, err = runScript(t, "postrm", nil, "remove")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log, "rm ") {
		t.Errorf("remove deleted files:\n%s", log)
	}
	if _, err := runScript(t, "prerm", nil, "remove"); err != nil {
		t.Errorf("prerm remove: %v", err)
	}
}
