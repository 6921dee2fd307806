package main

import (
	"flag"

	"github.com/hbzk/kiosk/device/config"
)

func init() {
	register(command{name: "config defaults", summary: "print every key of kiosk.toml with its documented default", run: configDefaults})
	register(command{name: "config check", summary: "parse and validate a kiosk.toml", run: configCheck})
}

func configDefaults(c *cli, args []string) int {
	fs := flag.NewFlagSet("config defaults", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	profile := fs.String("profile", string(config.DefaultProfile), "dev or appliance")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, err := config.ParseProfile(*profile)
	if err != nil {
		return c.usagef("%v", err)
	}
	cfg := config.Defaults(p)
	data, err := config.Encode(&cfg)
	if err != nil {
		return c.errorf("%v", err)
	}
	c.stdout.Write(data)
	return 0
}

func configCheck(c *cli, args []string) int {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	profile := fs.String("profile", string(config.DefaultProfile), "dev or appliance")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return c.usagef("usage: kioskctl config check [--profile P] FILE")
	}
	p, err := config.ParseProfile(*profile)
	if err != nil {
		return c.usagef("%v", err)
	}
	if _, err := config.Load(fs.Arg(0), p); err != nil {
		return c.usagef("%v", err)
	}
	c.stdout.Write([]byte("ok\n"))
	return 0
}
