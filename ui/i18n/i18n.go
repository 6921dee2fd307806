// Package i18n holds the kiosk's screen texts: one catalogue per language
// (zh.go, en.go), looked up by key. Simplified Chinese is the default
// language; English is switchable on every screen.
//
// Keys are dotted names ("card.place.title"). Templates use fmt verbs; the
// arguments are documented next to each key in zh.go. A missing key renders
// as "[key]" so that a mistake is visible on screen and in golden images
// rather than silently blank; the tests check that both catalogues have the
// same keys and the same verbs.
package i18n

import (
	"fmt"
	"sort"
)

// Lang is a UI language.
type Lang string

// The supported languages.
const (
	ZH Lang = "zh" // Simplified Chinese, the default
	EN Lang = "en" // English
)

// Langs lists the supported languages, default first.
var Langs = []Lang{ZH, EN}

// Default is the language a session starts in.
const Default = ZH

// Parse returns the language named by s ("zh" or "en"; "" means Default).
func Parse(s string) (Lang, error) {
	switch s {
	case "":
		return Default, nil
	case string(ZH), "zh-CN", "zh_CN":
		return ZH, nil
	case string(EN), "en-US", "en_GB", "en-GB", "en_US":
		return EN, nil
	}
	return "", fmt.Errorf("i18n: unknown language %q (known: zh, en)", s)
}

// Other is the language the language button switches to.
func (l Lang) Other() Lang {
	if l == EN {
		return ZH
	}
	return EN
}

func catalogue(l Lang) map[string]string {
	if l == EN {
		return en
	}
	return zh
}

// Has reports whether key is in l's catalogue.
func Has(l Lang, key string) bool {
	_, ok := catalogue(l)[key]
	return ok
}

// T returns the text of key in l, or "[key]" when the key is missing.
func T(l Lang, key string) string {
	if s, ok := catalogue(l)[key]; ok {
		return s
	}
	return "[" + key + "]"
}

// Tf formats the template of key in l with args.
func Tf(l Lang, key string, args ...any) string {
	s, ok := catalogue(l)[key]
	if !ok {
		return "[" + key + "]"
	}
	return fmt.Sprintf(s, args...)
}

// Keys returns the sorted keys of l's catalogue.
func Keys(l Lang) []string {
	c := catalogue(l)
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
