// Command package builds the kiosk's Debian package with nfpm (as a
// library, pinned in go.mod):
//
//	go run ./build/package --version V --arch amd64 --bin bin --models models --out dist
//
// writes dist/kiosk_<version>_<arch>.deb holding
//
//	/usr/bin/kiosk, kioskctl, centrald          from --bin
//	/usr/share/kiosk/models/manifest.toml       from --models, and every
//	/usr/share/kiosk/models/<file>.onnx         model it names (sha256-checked)
//	/etc/kiosk/kiosk.toml                       conffile, from build/kiosk.appliance.toml
//	/lib/systemd/system/kiosk.service, centrald.service   build/systemd/
//	/lib/udev/rules.d/60-kiosk.rules            generated from build/udev/devices.toml
//	/usr/lib/tmpfiles.d/kiosk.conf              build/tmpfiles/
//	/usr/share/doc/kiosk/technician.md          docs/technician.md
//
// with the maintainer scripts of build/deb/. Depends lists the packages of
// the shared libraries the binaries link (found with dpkg -S, like
// dpkg-shlibdeps) besides systemd, udev and the font.
//
// Without --version the version is `git describe --tags --always --dirty`,
// made into a Debian version (see debVersion).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var o options
	flag.StringVar(&o.Version, "version", "", "package version (default: from git describe)")
	flag.StringVar(&o.Arch, "arch", "amd64", "Go architecture of the binaries (amd64, arm64, ...)")
	flag.StringVar(&o.Bin, "bin", "bin", "folder with kiosk, kioskctl and centrald")
	flag.StringVar(&o.Models, "models", "models", "folder with manifest.toml and the model files it names")
	flag.StringVar(&o.Prompts, "prompts", "", "folder of the voice prompts (go run ./build/prompts); empty: none")
	flag.StringVar(&o.Out, "out", "dist", "output folder")
	flag.StringVar(&o.Root, "root", ".", "the repository's root (build/ and docs/ are read from it)")
	flag.StringVar(&o.Maintainer, "maintainer", defaultMaintainer, "Maintainer field")
	flag.BoolVar(&o.NoShlibs, "no-shlibdeps", false, "do not add the packages of linked shared libraries to Depends")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./build/package [flags]\n\nBuilds dist/kiosk_<version>_<arch>.deb.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	path, err := build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(path)
}
