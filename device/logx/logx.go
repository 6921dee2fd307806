// Package logx makes the kiosk's slog loggers: text in development, JSON on
// the appliance, and redacted either way. Personal data (ID numbers, names,
// addresses, photos, signatures) must never reach a log: attributes with
// personal keys are replaced, byte slices are reduced to their length, any
// string or error text that looks like a Chinese ID number or permit number
// is masked, and structs and maps that do not describe themselves through
// slog.LogValuer are not printed at all.
package logx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
)

// Options configure New.
type Options struct {
	// Format is "text" or "json".
	Format string
	// Level is "debug", "info", "warn" or "error".
	Level string
}

// New returns a redacting logger writing to w.
func New(w io.Writer, o Options) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(orDefault(o.Level, "info"))); err != nil {
		return nil, fmt.Errorf("logx: level %q: %w", o.Level, err)
	}
	ho := &slog.HandlerOptions{Level: lvl, ReplaceAttr: Redact}
	switch orDefault(o.Format, "text") {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("logx: format %q: want text or json", o.Format)
}

// Discard is a logger that writes nothing, for tests.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// personalKeys are attribute keys whose values are personal data.
var personalKeys = map[string]bool{
	"name": true, "name_en": true, "id": false, "id_number": true, "idnumber": true, "id_no": true,
	"address": true, "birth": true, "permit_number": true, "photo": true, "image": true,
	"signature": true, "strokes": true, "face": true, "frame": true, "embedding": true,
	"card": true, "candidate": true, "phone": true,
}

// idPattern matches resident ID numbers (18 characters, last may be X),
// 15-digit old ones, and permit numbers of the same shape.
var idPattern = regexp.MustCompile(`(?i)\b[0-9]{6}(?:19|20)[0-9]{2}[0-9]{7}[0-9x]\b|\b[0-9]{15}\b|\b[A-Z]{3}[0-9]{12}\b`)

// Mask replaces every ID-number-like run in s.
func Mask(s string) string {
	return idPattern.ReplaceAllStringFunc(s, func(m string) string {
		return "[id:" + fmt.Sprint(len(m)) + "]"
	})
}

// Redact is a slog ReplaceAttr function; New installs it. Other handlers
// (tests, central) can install it too.
func Redact(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.SourceKey) {
		return a
	}
	if personalKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[redacted]")
	}
	a.Value = redactValue(a.Value)
	return a
}

func redactValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(Mask(v.String()))
	case slog.KindAny:
		x := v.Any()
		switch t := x.(type) {
		case nil:
			return v
		case []byte:
			return slog.StringValue(fmt.Sprintf("[%d bytes]", len(t)))
		case error:
			return slog.StringValue(Mask(t.Error()))
		case fmt.Stringer:
			return slog.StringValue(Mask(t.String()))
		}
		rv := reflect.ValueOf(x)
		for rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
		switch rv.Kind() {
		case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Interface, reflect.Pointer:
			return slog.StringValue("[" + rv.Type().String() + " not logged]")
		}
		return slog.StringValue(Mask(fmt.Sprint(x)))
	}
	return v
}

// Secret is a string that logs as "[redacted]" wherever it goes.
type Secret string

// LogValue hides the value.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String hides the value from fmt too.
func (Secret) String() string { return "[redacted]" }

type ctxKey struct{}

// WithContext stores a logger in a context.
func WithContext(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the context's logger, or a discarding one.
func From(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	return Discard()
}
