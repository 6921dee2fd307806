package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func TestCataloguesHaveSameKeys(t *testing.T) {
	zk, ek := Keys(ZH), Keys(EN)
	for _, k := range zk {
		if !Has(EN, k) {
			t.Errorf("key %q is in zh but not in en", k)
		}
	}
	for _, k := range ek {
		if !Has(ZH, k) {
			t.Errorf("key %q is in en but not in zh", k)
		}
	}
}

func TestCataloguesHaveSameVerbs(t *testing.T) {
	for _, k := range Keys(ZH) {
		zv := verb.FindAllString(T(ZH, k), -1)
		ev := verb.FindAllString(T(EN, k), -1)
		if !slices.Equal(zv, ev) {
			t.Errorf("key %q: zh verbs %v, en verbs %v", k, zv, ev)
		}
		for _, l := range Langs {
			if strings.TrimSpace(T(l, k)) == "" {
				t.Errorf("key %q is empty in %s", k, l)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{ZH, "btn.cancel", nil, "取消"},
		{EN, "btn.cancel", nil, "Cancel"},
		{EN, "match.failed.left", []any{2}, "Attempts left: 2"},
		{ZH, "match.failed.left", []any{2}, "还可以尝试 2 次"},
		{ZH, "no.such.key", nil, "[no.such.key]"},
		{EN, "no.such.key", []any{1}, "[no.such.key]"},
	}
	for _, tt := range tests {
		if got := Tf(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("Tf(%s, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Lang
		wantErr bool
	}{
		{"", ZH, false}, {"zh", ZH, false}, {"zh-CN", ZH, false},
		{"en", EN, false}, {"en-GB", EN, false},
		{"fr", "", true}, {"ZH ", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "i18n: ") {
			t.Errorf("Parse(%q) error %q lacks the package prefix", tt.in, err)
		}
	}
	if ZH.Other() != EN || EN.Other() != ZH {
		t.Error("Other does not toggle between zh and en")
	}
}
