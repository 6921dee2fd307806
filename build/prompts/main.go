// Command prompts makes the kiosk's voice prompts with espeak-ng at build
// time, from the catalogue in ui/i18n (prompts.go):
//
//	go run ./build/prompts -out var/prompts
//
// writes OUT/zh/<screen>.wav (espeak-ng -v cmn-latn-pinyin reading the
// pinyin with tone numbers), OUT/en/<screen>.wav (-v en reading the English
// text), OUT/digits/<d>.wav (-v cmn reading one Arabic digit: the simulated
// candidate's voice for the spoken-digits challenge) and OUT/manifest.json.
// A file whose voice, text and espeak-ng version have not changed is not
// made again, so `make build` stays fast.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/ui/i18n"
)

// Item is one recording to make.
type Item struct {
	File  string `json:"file"`
	Voice string `json:"voice"`
	Text  string `json:"text"`
	// Key is a hash of the espeak-ng version, voice, speed and text.
	Key string `json:"key"`
	// Millis is the recording's length.
	Millis int64 `json:"ms"`
}

// Manifest lists what was made.
type Manifest struct {
	Espeak string `json:"espeak"`
	Items  []Item `json:"items"`
}

// Items are the recordings of the catalogue.
func Items(speed int) []Item {
	var out []Item
	for _, p := range i18n.Prompts {
		out = append(out, Item{File: "zh/" + p.Screen + ".wav", Voice: "cmn-latn-pinyin", Text: p.Pinyin})
		out = append(out, Item{File: "en/" + p.Screen + ".wav", Voice: "en", Text: p.EN})
	}
	for d := range 10 {
		out = append(out, Item{File: "digits/" + strconv.Itoa(d) + ".wav", Voice: "cmn", Text: strconv.Itoa(d)})
	}
	return out
}

func key(version, voice, text string, speed int) string {
	h := sha256.Sum256([]byte(version + "\x00" + voice + "\x00" + strconv.Itoa(speed) + "\x00" + text))
	return hex.EncodeToString(h[:8])
}

// Make writes the recordings into out, making only those that changed. It
// returns how many it made.
func Make(espeak, out string, speed int) (int, error) {
	v, err := exec.Command(espeak, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("prompts: %s --version: %v (build/deps.sh installs espeak-ng)", espeak, err)
	}
	version := strings.TrimSpace(string(v))
	var old Manifest
	if b, err := os.ReadFile(filepath.Join(out, "manifest.json")); err == nil {
		json.Unmarshal(b, &old)
	}
	done := map[string]Item{}
	for _, it := range old.Items {
		done[it.File] = it
	}
	m := Manifest{Espeak: version}
	made := 0
	for _, it := range Items(speed) {
		it.Key = key(version, it.Voice, it.Text, speed)
		path := filepath.Join(out, filepath.FromSlash(it.File))
		if prev, ok := done[it.File]; ok && prev.Key == it.Key {
			if _, err := audio.ReadWAV(path); err == nil {
				m.Items = append(m.Items, prev)
				continue
			}
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return made, fmt.Errorf("prompts: %w", err)
		}
		var stderr bytes.Buffer
		cmd := exec.Command(espeak, "-v", it.Voice, "-s", strconv.Itoa(speed), "-w", path+".tmp", "--", it.Text)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return made, fmt.Errorf("prompts: espeak-ng -v %s for %s: %v: %s", it.Voice, it.File, err, stderr.String())
		}
		pcm, err := audio.ReadWAV(path + ".tmp")
		if err != nil {
			return made, fmt.Errorf("prompts: %s: %w", it.File, err)
		}
		if audio.Peak(pcm) < 1000 {
			return made, fmt.Errorf("prompts: %s: espeak-ng -v %s made silence (is the voice installed? espeak-ng --voices)", it.File, it.Voice)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return made, fmt.Errorf("prompts: %w", err)
		}
		it.Millis = pcm.Duration().Milliseconds()
		m.Items = append(m.Items, it)
		made++
	}
	b, _ := json.MarshalIndent(m, "", " ")
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return made, fmt.Errorf("prompts: %w", err)
	}
	return made, nil
}

func main() {
	out := flag.String("out", "var/prompts", "output folder")
	espeak := flag.String("espeak", "espeak-ng", "espeak-ng binary")
	speed := flag.Int("speed", 150, "words per minute")
	flag.Parse()
	n, err := Make(*espeak, *out, *speed)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "prompts: %d made, %d up to date in %s\n", n, len(Items(*speed))-n, *out)
}
