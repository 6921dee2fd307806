package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallInChroot installs the package with apt into a Debian 12
// chroot, as on a kiosk, and checks what the maintainer scripts did: the
// gpio group and the kiosk user in video, dialout and gpio, the state
// folder, the enabled service; then an idempotent reinstall and a purge.
//
// It needs root, network access for the dependencies, and a scratch chroot
// it may install packages into, named by KIOSK_CHROOT:
//
//	debootstrap --variant=minbase bookworm /var/tmp/kiosk-chroot http://deb.debian.org/debian
//	KIOSK_CHROOT=/var/tmp/kiosk-chroot go test -run Chroot -v ./build/package
func TestInstallInChroot(t *testing.T) {
	root := os.Getenv("KIOSK_CHROOT")
	if root == "" {
		t.Skip("set KIOSK_CHROOT to a scratch Debian 12 chroot (debootstrap --variant=minbase bookworm DIR) to install the .deb into it")
	}
	if os.Getuid() != 0 {
		t.Skip("installing into a chroot needs root")
	}
	if _, err := os.Stat(filepath.Join(root, "etc/debian_version")); err != nil {
		t.Fatalf("KIOSK_CHROOT=%s is not a Debian root: %v", root, err)
	}
	o := fixture(t)
	inside, err := os.MkdirTemp(filepath.Join(root, "tmp"), "kiosk-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(inside)
	o.Out = inside
	deb, err := build(o)
	if err != nil {
		t.Fatal(err)
	}
	debInside := "/" + strings.TrimPrefix(deb, filepath.Clean(root)+"/")

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("chroot", append([]string{root}, args...)...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("chroot %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	exists := func(p string) bool { _, err := os.Lstat(filepath.Join(root, p)); return err == nil }

	t.Cleanup(func() { // leave the chroot as it was, even after a failure
		exec.Command("chroot", root, "apt-get", "purge", "-y", "-qq", "kiosk").Run()
	})
	run("apt-get", "update", "-qq")
	run("apt-get", "install", "-y", "-qq", "--no-install-recommends", debInside)

	groups := strings.Fields(run("id", "-nG", "kiosk"))
	for _, g := range []string{"kiosk", "video", "dialout", "gpio"} {
		if !contains(groups, g) {
			t.Errorf("kiosk user groups %v lack %s", groups, g)
		}
	}
	if pw := run("getent", "passwd", "kiosk"); !strings.Contains(pw, ":/var/lib/kiosk:/usr/sbin/nologin") {
		t.Errorf("kiosk user: %s", pw)
	}
	if st := strings.TrimSpace(run("stat", "-c", "%U:%G %a", "/var/lib/kiosk")); st != "kiosk:kiosk 750" {
		t.Errorf("/var/lib/kiosk is %s, want kiosk:kiosk 750", st)
	}
	if !exists("etc/systemd/system/multi-user.target.wants/kiosk.service") {
		t.Error("kiosk.service is not enabled")
	}
	if exists("etc/systemd/system/multi-user.target.wants/centrald.service") {
		t.Error("centrald.service was enabled")
	}
	if cf := run("dpkg-query", "-W", "-f", "${Conffiles}", "kiosk"); !strings.Contains(cf, "/etc/kiosk/kiosk.toml") {
		t.Errorf("conffiles: %q", cf)
	}

	// Reinstalling (postinst configure with the old version) changes nothing.
	run("apt-get", "install", "-y", "-qq", "--reinstall", debInside)
	if g2 := strings.Fields(run("id", "-nG", "kiosk")); strings.Join(g2, " ") != strings.Join(groups, " ") {
		t.Errorf("groups after reinstall: %v, before %v", g2, groups)
	}

	run("apt-get", "purge", "-y", "-qq", "kiosk")
	for _, p := range []string{"var/lib/kiosk", "etc/kiosk/kiosk.toml", "usr/bin/kiosk", "lib/systemd/system/kiosk.service"} {
		if exists(p) {
			t.Errorf("/%s is left after purge", p)
		}
	}
	run("getent", "passwd", "kiosk") // the user stays
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
