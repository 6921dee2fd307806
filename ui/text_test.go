package ui

import (
	"reflect"
	"testing"
	"unicode"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"hello world", []string{"hello", " world"}},
		{"请放置身份证", []string{"请", "放", "置", "身", "份", "证"}},
		{"证件，请放好。", []string{"证", "件，", "请", "放", "好。"}},
		{"（或外国人）", []string{"（或", "外", "国", "人）"}},
		{"尝试 2 次", []string{"尝", "试", " 2", " 次"}},
		{"Hello, world.", []string{"Hello,", " world."}},
		{"a\nb", []string{"a", "\n", "b"}},
		{"点“确认”。", []string{"点", "“确", "认”。"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range tokenize(tt.in) {
			switch {
			case tk.newline:
				got = append(got, "\n")
			case tk.space:
				got = append(got, " "+tk.text)
			default:
				got = append(got, tk.text)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzTokenize checks that tokenising loses no character but spaces.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"hello world", "证件，请放好。", "（或外国人）", "a\nb", "点“确认”。", "  x  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var in, out []rune
		for _, r := range s {
			if r == '\n' || !unicode.IsSpace(r) {
				in = append(in, r)
			}
		}
		for _, tk := range tokenize(s) {
			if tk.newline {
				out = append(out, '\n')
				continue
			}
			if tk.text == "" {
				t.Fatalf("empty token from %q", s)
			}
			out = append(out, []rune(tk.text)...)
		}
		if string(in) != string(out) {
			t.Fatalf("tokenize(%q) kept %q, want %q", s, string(out), string(in))
		}
	})
}

// wrapSeeds are the TestWrap inputs, also the fuzzer's seeds.
var wrapSeeds = []string{
	"请放置身份证", "hello world", "a\nb", "supercalifragilisticexpialidocious",
	"证件被移开了。请将证件平放在读卡区，读取完成前不要移动。", "李明, there is no registration",
	"（或外国人永久居留身份证）", "“确认”。", "Ǎ̊̋ combining", "",
}

// FuzzWrap checks that wrapping keeps every character but spaces and
// newlines, and that only lines of one character exceed the width (names
// from ID cards reach the screen through it).
func FuzzWrap(f *testing.F) {
	fnt, err := LoadFont(DefaultFontPath)
	if err != nil {
		f.Skipf("skipping: %v", err)
	}
	face := fnt.mustFace(30)
	for _, s := range wrapSeeds {
		f.Add(s, 120)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 4000 || len(s) > 2000 {
			return
		}
		lines := wrap(face, s, width)
		var got, want []rune
		for _, l := range lines {
			if measure(face, l) > width && len([]rune(l)) > 1 {
				t.Fatalf("wrap(%q, %d): line %q is %d wide", s, width, l, measure(face, l))
			}
			for _, r := range l {
				if !unicode.IsSpace(r) {
					got = append(got, r)
				}
			}
		}
		for _, r := range s {
			if !unicode.IsSpace(r) {
				want = append(want, r)
			}
		}
		if string(got) != string(want) {
			t.Fatalf("wrap(%q, %d) = %q: text changed", s, width, lines)
		}
	})
}
