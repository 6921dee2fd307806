package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/ui/i18n"
)

// The recordings are made, last as long as their syllables say (pinyin
// spelt out letter by letter, or a missing voice, would not), and are not
// made again when nothing changed.
func TestMake(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed (build/deps.sh installs it)")
	}
	out := t.TempDir()
	n, err := Make("espeak-ng", out, 150)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(Items(150)) {
		t.Fatalf("made %d of %d", n, len(Items(150)))
	}
	for _, p := range i18n.Prompts {
		pcm, err := audio.ReadWAV(filepath.Join(out, "zh", p.Screen+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		syl := len(strings.Fields(p.Pinyin))
		per := pcm.Duration() / time.Duration(syl)
		if per < 120*time.Millisecond || per > 450*time.Millisecond {
			t.Errorf("%s: %v for %d syllables (%v each): not read as pinyin syllables", p.Screen, pcm.Duration(), syl, per)
		}
	}
	for d := range 10 {
		pcm, err := audio.ReadWAV(filepath.Join(out, "digits", string(rune('0'+d))+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		if dur := pcm.Duration(); dur < 150*time.Millisecond || dur > 1500*time.Millisecond {
			t.Errorf("digit %d lasts %v", d, dur)
		}
	}
	n, err = Make("espeak-ng", out, 150)
	if err != nil || n != 0 {
		t.Fatalf("second run made %d (%v), want 0", n, err)
	}
	n, err = Make("espeak-ng", out, 160)
	if err != nil || n != len(Items(160)) {
		t.Fatalf("new speed made %d (%v)", n, err)
	}
	if _, err := Make("no-such-espeak", out, 150); err == nil || !strings.Contains(err.Error(), "deps.sh") {
		t.Fatalf("missing espeak-ng: %v", err)
	}
}
