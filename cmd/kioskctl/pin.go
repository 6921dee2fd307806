package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"os"
	"strings"

	"github.com/hbzk/kiosk/device/techpin"
)

func init() {
	register(command{name: "pin set", summary: "set this kiosk's technician PIN (read twice from standard input, stored as a slow hash)", run: pinSet})
}

// pinSet reads the new PIN twice from standard input (never from the
// command line, where it would stay in the shell's history and the process
// list), hashes it, writes it into the state folder, and audits the change
// when the store exists.
func pinSet(c *cli, args []string) int {
	fs := flag.NewFlagSet("pin set", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl pin set [--config FILE] < two lines: the new PIN, then again")
	}
	cfg, err := loadKioskConfig(*cfgPath)
	if err != nil {
		return c.usagef("%v", err)
	}
	in := bufio.NewScanner(c.stdin)
	read := func() string {
		if in.Scan() {
			return strings.TrimSpace(in.Text())
		}
		return ""
	}
	pin, again := read(), read()
	if pin == "" {
		return c.usagef("pin set: no PIN on standard input")
	}
	if pin != again {
		return c.errorf("pin set: the two entries differ; nothing was changed")
	}
	dir := cfg.Path(cfg.Paths.StateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return c.errorf("pin set: %v", err)
	}
	if err := techpin.Set(dir, pin, rand.Reader); err != nil {
		return c.errorf("pin set: %v", err)
	}
	if st, err := openStore(context.Background(), cfg); err == nil {
		st.Audit(context.Background(), "tech_pin", "set by kioskctl")
		st.Close()
	}
	c.stdout.Write([]byte("technician PIN set (" + techpin.FileName + " in the state folder); the kiosk reads it at its next start\n"))
	return 0
}
