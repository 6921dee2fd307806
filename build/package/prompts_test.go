package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPromptContents(t *testing.T) {
	dir := t.TempDir()
	if _, err := promptContents(dir); err == nil || !strings.Contains(err.Error(), "build/prompts") {
		t.Fatalf("empty folder: %v", err)
	}
	for _, f := range []string{"zh/attract.wav", "en/attract.wav", "digits/0.wav", "zh/notes.txt"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("RIFF"), 0o644)
	}
	got, err := promptContents(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{promptsDir + "/zh/attract.wav": true, promptsDir + "/en/attract.wav": true, promptsDir + "/digits/0.wav": true}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for _, g := range got {
		if !want[g.dst] {
			t.Fatalf("unexpected %s", g.dst)
		}
	}
}
