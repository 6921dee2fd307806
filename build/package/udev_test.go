package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite build/udev/60-kiosk.rules from build/udev/devices.toml")

// TestUdevRulesGolden checks the generated rules of the shipped list
// against the checked-in copy technicians read.
func TestUdevRulesGolden(t *testing.T) {
	devs, err := loadDevices("../udev/devices.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := udevRules(devs)
	if err != nil {
		t.Fatal(err)
	}
	const golden = "../udev/60-kiosk.rules"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./build/package -run Golden -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale: run go test ./build/package -run Golden -update\n--- generated:\n%s", golden, got)
	}
	for _, want := range []string{
		`ATTRS{idVendor}=="10c4", ATTRS{idProduct}=="ea60", SYMLINK+="idreader", GROUP="dialout", MODE="0660"`,
		`ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", SYMLINK+="sigpad"`,
		`SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("rules lack %s", want)
		}
	}
}

var udevTests = []struct {
	name, toml, wantErr string
}{
	{"ok", `[[device]]
name = "idreader"
vendor = "10c4"
product = "ea60"
description = "CP210x"`, ""},
	{"serial tells apart", `[[device]]
name = "idreader"
vendor = "10c4"
product = "ea60"
serial = "0001"
[[device]]
name = "sigpad"
vendor = "10c4"
product = "ea60"
serial = "0002"`, ""},
	{"same chip twice", `[[device]]
name = "idreader"
vendor = "10c4"
product = "ea60"
[[device]]
name = "sigpad"
vendor = "10c4"
product = "ea60"`, "both match USB 10c4:ea60"},
	{"any product overlaps", `[[device]]
name = "idreader"
vendor = "056a"
product = "0001"
[[device]]
name = "sigpad"
vendor = "056a"
product = ""`, "both match"},
	{"duplicate", `[[device]]
name = "idreader"
vendor = "10c4"
product = "ea60"
[[device]]
name = "idreader"
vendor = "10c4"
product = "ea60"`, "listed twice"},
	{"upper-case hex", `[[device]]
name = "idreader"
vendor = "10C4"`, "4 lower-case hex"},
	{"short product", `[[device]]
name = "idreader"
vendor = "10c4"
product = "ea6"`, "product"},
	{"bad name", `[[device]]
name = "../idreader"
vendor = "10c4"`, "name"},
	{"quote in serial", `[[device]]
name = "idreader"
vendor = "10c4"
serial = "a\"b"`, "serial"},
	{"newline in description", `[[device]]
name = "idreader"
vendor = "10c4"
description = """a
b"""`, "one line"},
	{"unknown key", `[[device]]
name = "idreader"
vendor = "10c4"
port = "1-1"`, "port"},
	{"empty", ``, "no [[device]]"},
}

func parseAndGenerate(data string) ([]byte, error) {
	devs, err := parseDevices([]byte(data))
	if err != nil {
		return nil, err
	}
	return udevRules(devs)
}

func TestUdevRulesErrors(t *testing.T) {
	for _, tt := range udevTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAndGenerate(tt.toml)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzUdevRules(f *testing.F) {
	for _, tt := range udevTests {
		f.Add(tt.toml)
	}
	f.Fuzz(func(t *testing.T, data string) {
		rules, err := parseAndGenerate(data)
		if err != nil {
			return
		}
		// Every generated line is a comment, blank, or a rule whose
		// values are quoted without stray quotes.
		for _, line := range strings.Split(string(rules), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in %q", line)
			}
		}
	})
}
