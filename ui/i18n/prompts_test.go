package i18n

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var syllable = regexp.MustCompile(`^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(i|u|v|ü)?(a|o|e|ai|ei|ao|ou|an|en|ang|eng|ong|er|i|u|v|ü|in|ing|un|ui|iu|ie|ve|üe|ue|uo|ia|ua|uai|uan|iao|ian|iang|iong|uang|n|ng)?[1-5]$`)

func validSyllable(w string) bool { return len(w) >= 2 && syllable.MatchString(w) }

// words splits pinyin into syllables, dropping punctuation.
func words(pinyin string) []string {
	return strings.FieldsFunc(pinyin, func(r rune) bool { return r == ' ' || r == ',' || r == '.' || r == '?' || r == '!' })
}

// hanCount counts the Chinese characters of a text.
func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}

func TestPrompts(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Prompts {
		if p.Screen == "" || p.ZH == "" || p.Pinyin == "" || p.EN == "" {
			t.Errorf("%q: a prompt needs a screen, zh text, pinyin and en text", p.Screen)
		}
		if seen[p.Screen] {
			t.Errorf("%q: two prompts", p.Screen)
		}
		seen[p.Screen] = true
		ws := words(p.Pinyin)
		// One syllable per character, so a prompt whose text changed
		// without its pinyin is found.
		if n := hanCount(p.ZH); n != len(ws) {
			t.Errorf("%s: %d characters in %q but %d pinyin syllables", p.Screen, n, p.ZH, len(ws))
		}
		for _, w := range ws {
			if !validSyllable(w) {
				t.Errorf("%s: %q is not a pinyin syllable with a tone number 1-5", p.Screen, w)
			}
		}
		for _, r := range p.ZH {
			if r >= '0' && r <= '9' {
				t.Errorf("%s: digits in the zh text are read wrongly by the voice: spell them out", p.Screen)
			}
		}
		if got, ok := PromptFor(p.Screen); !ok || got != p {
			t.Errorf("PromptFor(%q) = %v, %v", p.Screen, got, ok)
		}
		if p.Spoken(ZH) != p.Pinyin || p.Spoken(EN) != p.EN {
			t.Errorf("%s: Spoken", p.Screen)
		}
	}
	if _, ok := PromptFor("tech_menu"); ok {
		t.Error("the technician menu has no prompt")
	}
}

// The syllable check can fail.
func TestSyllableCheck(t *testing.T) {
	for _, bad := range []string{"qing", "qing6", "zhxang1", "shen1fen4", "1"} {
		if validSyllable(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if hanCount("请，取回。") != 3 {
		t.Error("hanCount counts punctuation")
	}
}

func TestAudioDeviceNames(t *testing.T) {
	for _, l := range Langs {
		for _, k := range []string{"device.audio out", "device.audio in"} {
			if !Has(l, k) {
				t.Errorf("%s: no %q", l, k)
			}
		}
	}
}
