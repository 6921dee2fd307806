package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/drivers/idcard/sam"
	"github.com/hbzk/kiosk/drivers/idcard/samsim"
)

// Invented cards; the resident card stays valid until 2041 and the expired
// one expired in 2018, so the test does not depend on today's date.
const cliCards = `
[[card]]
label = "resident"
type = "resident"
name = "张晓雯"
sex = "female"
nation = "01"
birth = "1992-03-15"
address = "北京市海淀区学院路甲38号"
id_number = "110108199203150045"
authority = "北京市公安局海淀分局"
valid_from = "2021-06-01"
valid_to = "2041-06-01"
photo.file = "face.png"

[[card]]
label = "hmt"
type = "hmt_permit"
name = "陈家明"
sex = "male"
birth = "1996-08-22"
address = "广东省深圳市福田区福华三路100号"
id_number = "810000199608220012"
authority = "深圳市公安局"
valid_from = "2023-03-01"
valid_to = "long-term"
permit_number = "H60012345"
issue_count = "01"
photo.file = "face.png"

[[card]]
label = "foreign"
type = "foreign_permanent"
name_en = "SMITH, JANE ALICE"
sex = "female"
birth = "1987-04-09"
permit_number = "USA310870409023"
nationality = "USA"
authority = "1500"
version = "02"
valid_from = "2024-01-15"
valid_to = "2044-01-14"
photo.file = "face.png"

[[card]]
label = "expired, bad digit"
type = "resident"
name = "王建军"
sex = "male"
nation = "03"
birth = "1985-07-12"
address = "上海市徐汇区漕溪北路88号"
id_number = "310104198507120038"
authority = "上海市公安局徐汇分局"
valid_from = "2008-01-10"
valid_to = "2018-01-10"
photo.file = "face.png"
`

// cardsFile writes the cards and a small photo into a temporary folder.
func cardsFile(t *testing.T) string {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 102, 126))
	for y := 0; y < 126; y++ {
		for x := 0; x < 102; x++ {
			img.Set(x, y, color.RGBA{uint8(2 * x), uint8(2 * y), 128, 255})
		}
	}
	img.Set(1, 1, color.White)
	f, err := os.Create(filepath.Join(dir, "face.png"))
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
	p := filepath.Join(dir, "cards.toml")
	if err := os.WriteFile(p, []byte(cliCards), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func simFrame(t *testing.T, cards string, n string) string {
	t.Helper()
	code, out, errs := runCLI(t, "", "card", "sim-frame", "--card", n, cards)
	if code != 0 {
		t.Fatalf("sim-frame: %d %s", code, errs)
	}
	return out
}

func TestCardParseJSON(t *testing.T) {
	cards := cardsFile(t)
	for _, tc := range []struct {
		card string
		keys string
		want map[string]any
	}{
		{"0", "address authority birth expired id_checksum_ok id_number name nation nation_name photo_sha256 sex type valid_from valid_to",
			map[string]any{"type": "resident", "name": "张晓雯", "sex": "female", "nation": "01", "nation_name": "汉",
				"birth": "1992-03-15", "id_number": "110108199203150045", "valid_to": "2041-06-01", "id_checksum_ok": true, "expired": false}},
		{"1", "address authority birth expired id_checksum_ok id_number issue_count name permit_number photo_sha256 sex type valid_from valid_to",
			map[string]any{"type": "hmt_permit", "sex": "male", "permit_number": "H60012345", "issue_count": "01",
				"valid_to": "long-term", "id_checksum_ok": true}},
		{"2", "authority birth expired name_en nationality permit_number photo_sha256 sex type valid_from valid_to",
			map[string]any{"type": "foreign_permanent", "name_en": "SMITH, JANE ALICE", "nationality": "USA",
				"permit_number": "USA310870409023", "birth": "1987-04-09", "expired": false}},
		{"3", "address authority birth expired id_checksum_ok id_number name nation nation_name photo_sha256 sex type valid_from valid_to",
			map[string]any{"nation_name": "回", "id_checksum_ok": false, "expired": true}},
	} {
		t.Run(tc.card, func(t *testing.T) {
			frame := simFrame(t, cards, tc.card)
			code, out, errs := runCLI(t, frame, "card", "parse", "--json", "-")
			if code != 0 {
				t.Fatalf("parse: %d %s", code, errs)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range got {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, " ") != tc.keys {
				t.Errorf("keys %s\nwant %s", strings.Join(keys, " "), tc.keys)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if len(got["photo_sha256"].(string)) != 64 {
				t.Errorf("photo_sha256 %v", got["photo_sha256"])
			}
		})
	}
}

func TestCardParseInputs(t *testing.T) {
	cards := cardsFile(t)
	frame := simFrame(t, cards, "0")
	dir := t.TempDir()
	file := filepath.Join(dir, "frame.bin")
	os.WriteFile(file, []byte(frame), 0o644)
	hexText := hex.EncodeToString([]byte(frame))
	var spaced strings.Builder // "aa aa aa 96 ..." with line breaks
	for i := 0; i < len(hexText); i += 2 {
		spaced.WriteString(hexText[i:i+2] + map[bool]string{true: "\n", false: " "}[i%64 == 62])
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // substring of stdout (code 0) or stderr
	}{
		{"table", frame, []string{"-"}, 0, "张晓雯"},
		{"file", "", []string{file}, 0, "汉"},
		{"hex", hexText, []string{"--hex", "-"}, 0, "110108199203150045"},
		{"hex with spaces", spaced.String(), []string{"--hex", "-"}, 0, "张晓雯"},
		{"garbage first", "\x00\x01junk\xAA\xAA" + frame, []string{"--json", "-"}, 0, `"type": "resident"`},
		{"corrupt checksum", frame[:len(frame)-1] + string([]byte{frame[len(frame)-1] ^ 1}), []string{"-"}, 1, "checksum"},
		// Sex (text offset 30, frame offset 44) set to '3', checksum fixed.
		{"corrupt text", frame[:44] + "3" + frame[45:len(frame)-1] + string([]byte{frame[len(frame)-1] ^ frame[44] ^ '3'}), []string{"-"}, 1, "field sex"},
		{"truncated", frame[:700], []string{"-"}, 1, "truncated"},
		{"no frame", "hello", []string{"-"}, 1, "preamble"},
		{"empty", "", []string{"-"}, 1, "preamble"},
		{"not hex", "zz", []string{"--hex", "-"}, 1, "not hex"},
		{"status not ok", string(sam.Answer(sam.StatusReadFailed, nil)), []string{"-"}, 1, "41 read card failed"},
		{"find answer", string(sam.Answer(sam.StatusCardFound, make([]byte, 4))), []string{"-"}, 1, "9F"},
		{"short data", string(sam.Answer(sam.StatusOK, make([]byte, 8))), []string{"-"}, 1, "lengths"},
		{"missing file", "", []string{filepath.Join(dir, "none")}, 1, "no such file"},
		{"no args", "", nil, 2, "usage"},
		{"bad flag", "", []string{"--frob", "-"}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.stdin, append([]string{"card", "parse"}, tc.args...)...)
			text := out
			if tc.code != 0 {
				text = errs
			}
			if code != tc.code || !strings.Contains(text, tc.out) {
				t.Fatalf("code %d (want %d)\nstdout %s\nstderr %s\nwant %q", code, tc.code, out, errs, tc.out)
			}
			if code == 1 && !strings.HasPrefix(errs, "kioskctl: card parse: ") {
				t.Errorf("stderr %q", errs)
			}
		})
	}
}

func TestCardSimFrameErrors(t *testing.T) {
	cards := cardsFile(t)
	code, out, _ := runCLI(t, "", "card", "sim-frame", "--list", cards)
	if code != 0 || !strings.Contains(out, "3\texpired, bad digit") {
		t.Errorf("list: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "", "card", "sim-frame", "--card", "9", cards); code != 2 || !strings.Contains(errs, "card 9") {
		t.Errorf("card 9: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "card", "sim-frame", "nope.toml"); code != 1 || !strings.Contains(errs, "nope.toml") {
		t.Errorf("missing file: %d %q", code, errs)
	}
	code, out, _ = runCLI(t, "", "card", "sim-frame", "--hex", "--fingerprint", cards)
	if code != 0 || !strings.HasPrefix(out, "aaaaaa9669") {
		t.Errorf("hex: %d %q", code, out[:min(len(out), 40)])
	}
	if code, out, errs := runCLI(t, out, "card", "parse", "--hex", "-"); code != 0 || !strings.Contains(out, "张晓雯") {
		t.Errorf("parse 30 10 answer: %d %s", code, errs)
	}
}

func TestCardPhoto(t *testing.T) {
	cards := cardsFile(t)
	frame := simFrame(t, cards, "0")
	out := filepath.Join(t.TempDir(), "photo.png")
	if code, _, errs := runCLI(t, frame, "card", "photo", "-", out); code != 0 {
		t.Fatalf("photo: %s", errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 102 || img.Bounds().Dy() != 126 {
		t.Fatalf("photo.png: %v %v", err, img.Bounds())
	}
	if code, _, errs := runCLI(t, frame, "card", "photo", "--lib", "/nonexistent/libwlt2bmp.so", "-", out); code != 1 || !strings.Contains(errs, "/nonexistent/libwlt2bmp.so") {
		t.Errorf("missing library: %d %q", code, errs)
	}
}

// simPort runs a simulated reader on a pty with card n laid and returns the
// device path to give to --port.
func simPort(t *testing.T, n int) (string, *samsim.Simulator) {
	cards, err := samsim.LoadCards(cardsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := samsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := samsim.New(cards, samsim.Options{})
	if n >= 0 {
		sim.Lay(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sim.Serve(ctx, p); close(done) }()
	t.Cleanup(func() { cancel(); p.Close(); <-done })
	return p.SlavePath, sim
}

func TestCardReadAndSAM(t *testing.T) {
	port, _ := simPort(t, 1)
	code, out, errs := runCLI(t, "", "card", "read", "--port", port, "--json")
	if code != 0 || !strings.Contains(out, `"permit_number": "H60012345"`) {
		t.Fatalf("read: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "card", "sam", "--port", port)
	if code != 0 || !strings.Contains(out, "SAM status: ok") || !strings.Contains(out, "SAM id: 05.01-") {
		t.Fatalf("sam: %d %s %s", code, out, errs)
	}

	port, sim := simPort(t, -1)
	sim.Fault("sam-selftest")
	code, _, errs = runCLI(t, "", "card", "sam", "--port", port)
	if code != 1 || !strings.Contains(errs, "self-test") {
		t.Errorf("sam self-test fault: %d %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "card", "read", "--port", port, "--wait", "100ms")
	if code != 1 || !strings.Contains(errs, "waiting for a card") {
		t.Errorf("no card: %d %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "card", "read", "--port", "/dev/nonexistent-reader")
	if code != 1 || !strings.Contains(errs, "/dev/nonexistent-reader") {
		t.Errorf("no reader: %d %s", code, errs)
	}
	for _, args := range [][]string{{"card", "read"}, {"card", "sam"}, {"card", "read", "--port", port, "extra"}} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: code %d, want 2", args, code)
		}
	}
}

// TestCardSim drives "card sim" through its stdin while "card read" reads
// from the pty it prints.
func TestCardSim(t *testing.T) {
	cards := cardsFile(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- run(&cli{stdin: inR, stdout: outW, stderr: &errb}, []string{"card", "sim", cards})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("card sim ended early: %s", errb.String())
		}
		return lines.Text()
	}
	first := next()
	port, ok := strings.CutPrefix(first, "simulated reader on ")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	next() // help
	say := func(cmd, want string) {
		t.Helper()
		io.WriteString(inW, cmd+"\n")
		if got := next(); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", cmd, got, want)
		}
	}
	say("lay 2", "ok")
	c, out, errs := runCLI(t, "", "card", "read", "--port", port, "--json")
	if c != 0 || !strings.Contains(out, "SMITH, JANE ALICE") {
		t.Errorf("read: %d %s %s", c, out, errs)
	}
	say("lay 9", "error: samsim: card 9")
	say("fault meteor", "error: samsim: unknown fault")
	say("fault sam-selftest", "ok")
	say("remove", "ok")
	say("frobnicate", "error: ")
	c, _, errs = runCLI(t, "", "card", "sam", "--port", port)
	if c != 1 || !strings.Contains(errs, "self-test") {
		t.Errorf("sam with the fault: %d %s", c, errs)
	}
	io.WriteString(inW, "quit\n")
	if got := <-code; got != 0 {
		t.Errorf("exit %d", got)
	}
	inW.Close()
}
