package logx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

type card struct {
	Name     string
	IDNumber string
	Photo    []byte
}

const idNumber = "42010619900307211X"

func TestPersonalDataNeverReachesTheLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		l, err := New(&buf, Options{Format: format, Level: "debug"})
		if err != nil {
			t.Fatal(err)
		}
		c := card{Name: "张三丰", IDNumber: idNumber, Photo: []byte("JPEGDATA-secret")}
		l.Info("card read", "name", c.Name, "id_number", c.IDNumber, "photo", c.Photo)
		l.Info("card", "card", c, "ptr", &c, "any", []string{c.Name})
		l.Warn("roster miss "+idNumber, "err", fmt.Errorf("roster: %s not registered", idNumber))
		l.Info("misc", "note", "candidate "+idNumber+" done", "old", "420106900307211", "blob", []byte{1, 2, 3})
		l.WithGroup("session").Info("x", "Name", c.Name, "detail", errors.New("id "+strings.ToLower(idNumber)))
		l.Info("secret", "who", Secret(c.Name), "fmt", fmt.Sprint(Secret(c.Name)))
		out := buf.String()
		for _, leak := range []string{"张三丰", idNumber, strings.ToLower(idNumber), "420106900307211", "JPEGDATA"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s log leaks %q:\n%s", format, leak, out)
			}
		}
		for _, keep := range []string{"card read", "[redacted]", "[id:18]", "[3 bytes]", "not logged"} {
			if !strings.Contains(out, keep) {
				t.Errorf("%s log lacks %q:\n%s", format, keep, out)
			}
		}
	}
}

func TestMessagesAreMaskedToo(t *testing.T) {
	var buf bytes.Buffer
	l, _ := New(&buf, Options{})
	l.Info("read " + idNumber)
	if strings.Contains(buf.String(), idNumber) {
		t.Errorf("message leaks: %s", buf.String())
	}
}

func TestBadOptions(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, Options{Format: "xml"}); err == nil {
		t.Error("format xml accepted")
	}
	if _, err := New(&bytes.Buffer{}, Options{Level: "loud"}); err == nil {
		t.Error("level loud accepted")
	}
}
