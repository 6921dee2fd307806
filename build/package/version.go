package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// gitVersion runs `git describe --tags --always --dirty` in dir.
func gitVersion(dir string) (string, error) {
	cmd := exec.Command("git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("package: git describe: %v: %s (pass --version)", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("package: git describe: %w (pass --version)", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// debVersion makes the output of git describe into a Debian upstream
// version, which must start with a digit, may hold only [A-Za-z0-9.+~] here
// (a '-' would start a Debian revision) and sorts sensibly:
//
//	v1.2.0                     -> 1.2.0
//	v1.2.0-3-g1a2b3c4-dirty    -> 1.2.0+3.g1a2b3c4.dirty
//	1a2b3c4 (no tags)          -> 0.0.0+1a2b3c4 (7+ hex digits, no '.')
//	0.0.0+1a2b3c4-dirty        -> 0.0.0+1a2b3c4.dirty (the Makefile's form)
//	1.2.0~rc1                  -> 1.2.0~rc1 (before 1.2.0)
func debVersion(v string) (string, error) {
	orig := v
	v = strings.TrimSpace(v)
	if v == "" {
		return "", errors.New("package: empty version")
	}
	if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	if v[0] < '0' || v[0] > '9' || isHash(strings.TrimSuffix(v, "-dirty")) {
		v = "0.0.0+" + v
	}
	var b strings.Builder
	plus := strings.Contains(v, "+")
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '.', r == '~', r == '+':
			b.WriteRune(r)
		case r == '-':
			// The first '-' of git describe starts the build part: '+'
			// sorts it after the tag; later ones become '.'.
			if !plus && i > 0 {
				b.WriteByte('+')
				plus = true
			} else {
				b.WriteByte('.')
			}
		default:
			return "", fmt.Errorf("package: version %q: character %q is not allowed in a Debian version", orig, r)
		}
	}
	out := b.String()
	if strings.Contains(out, "..") || strings.HasSuffix(out, ".") || strings.HasSuffix(out, "+") {
		return "", fmt.Errorf("package: version %q: empty part in %q", orig, out)
	}
	return out, nil
}

// isHash reports whether s looks like an abbreviated commit hash, which git
// describe --always prints when there is no tag.
func isHash(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
