// Command kioskctl is the technician's and developer's tool: provision a
// device, run the hardware self-test, read a card, decode a signature, match
// faces, inspect and export records, force a sync.
//
// Each topic lives in a file of its own that registers its commands in init.
// Exit status: 0 ok, 1 the command failed (a bad frame, a failed check),
// 2 usage or configuration error.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one "kioskctl NAME ..." command.
type command struct {
	// name is one or two words: "card parse", "selftest".
	name    string
	summary string
	// run gets the arguments after the name.
	run func(env *cli, args []string) int
}

// cli is what a command may use: its output streams and its input.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// errorf prints "kioskctl: ..." to stderr and returns exit status 1.
func (c *cli) errorf(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "kioskctl: "+format+"\n", args...)
	return 1
}

// usagef prints a usage error and returns exit status 2.
func (c *cli) usagef(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "kioskctl: "+format+"\n", args...)
	return 2
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("kioskctl: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(&cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

func run(c *cli, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(c.stdout)
		return 0
	}
	if len(args) >= 2 {
		if cmd, ok := commands[args[0]+" "+args[1]]; ok {
			return cmd.run(c, args[2:])
		}
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd.run(c, args[1:])
	}
	var topic []string
	for name := range commands {
		if strings.HasPrefix(name, args[0]+" ") {
			topic = append(topic, name)
		}
	}
	if len(topic) > 0 {
		sort.Strings(topic)
		fmt.Fprintf(c.stderr, "kioskctl %s: want one of:\n", args[0])
		for _, n := range topic {
			fmt.Fprintf(c.stderr, "  %-18s %s\n", n, commands[n].summary)
		}
		return 2
	}
	fmt.Fprintf(c.stderr, "kioskctl: unknown command %q (see kioskctl help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, commands[n].summary)
	}
}
