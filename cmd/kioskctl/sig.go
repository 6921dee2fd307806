package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/sigpad/padsim"
	"github.com/hbzk/kiosk/drivers/sigpad/topaz"
	"github.com/hbzk/kiosk/drivers/sigpad/wacom4"
)

func init() {
	register(command{name: "sig decode", summary: "decode a captured signature pad byte stream: strokes, validity, PNG, ISO 19794-7", run: sigDecode})
	register(command{name: "sig capture", summary: "capture a signature from a pad to strokes JSON, ISO 19794-7 and PNG", run: sigCapture})
	register(command{name: "sig encode", summary: "write the byte stream a pad sends for a strokes file (test fixtures)", run: sigEncode})
}

// parseInterleaved parses flags that may come after the positional
// arguments too ("sig decode FILE --json").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// sigFlags are the options shared by decode and capture.
type sigFlags struct {
	proto, png, iso, config, profile *string
}

func addSigFlags(fs *flag.FlagSet) sigFlags {
	return sigFlags{
		proto:   fs.String("proto", "", "pad protocol: topaz or wacom4"),
		png:     fs.String("png", "", "write the signature as a PNG to this file"),
		iso:     fs.String("iso", "", "write the signature as an ISO/IEC 19794-7:2007 record to this file"),
		config:  fs.String("config", "", "kiosk.toml to take the [signature] rules and picture size from (default: the documented defaults)"),
		profile: fs.String("profile", string(config.DefaultProfile), "config profile: dev or appliance"),
	}
}

func (f sigFlags) settings() (sigpad.Rules, sigpad.RenderOptions, error) {
	var sc config.SignatureConfig
	p, err := config.ParseProfile(*f.profile)
	if err != nil {
		return sigpad.Rules{}, sigpad.RenderOptions{}, err
	}
	if *f.config == "" {
		sc = config.Defaults(p).Signature
	} else {
		cfg, err := config.Load(*f.config, p)
		if err != nil {
			return sigpad.Rules{}, sigpad.RenderOptions{}, err
		}
		sc = cfg.Signature
	}
	return sigpad.Rules{MinPoints: sc.MinPoints, MinDuration: sc.MinDuration.D(), MinInk: sc.MinInk, MinBox: sc.MinBox},
		sigpad.RenderOptions{MaxWidth: sc.PNGWidth, MaxHeight: sc.PNGHeight, Margin: sc.PNGMargin, PenWidth: sc.PenWidth, Transparent: sc.Transparent}, nil
}

// sigReport is the summary "sig decode --json" prints.
type sigReport struct {
	Strokes    int         `json:"strokes"`
	Points     int         `json:"points"`
	DurationMS int64       `json:"duration_ms"`
	InkLength  float64     `json:"ink_length"`
	BBox       sigpad.BBox `json:"bbox"`
	Valid      bool        `json:"valid"`
	Reasons    []string    `json:"reasons"`
	Details    []string    `json:"reason_details"`
	Hash       string      `json:"hash,omitempty"`
	Pad        sigpad.Info `json:"pad"`
	Line       any         `json:"line"`
	rs         []sigpad.Reason
}

func report(s sigpad.Signature, rules sigpad.Rules, line any) sigReport {
	st := sigpad.Measure(s)
	rs := rules.Validate(s)
	r := sigReport{Strokes: st.Strokes, Points: st.Points, DurationMS: st.Duration.Milliseconds(),
		InkLength: float64(int64(st.InkLength*10+0.5)) / 10, BBox: st.BBox, Valid: len(rs) == 0,
		Reasons: sigpad.Codes(rs), Details: []string{}, Pad: s.Pad, Line: line, rs: rs}
	for _, x := range rs {
		r.Details = append(r.Details, x.Detail)
	}
	if st.Points > 0 {
		r.Hash = sigpad.Hash(s)
	}
	return r
}

func (r sigReport) print(w io.Writer) {
	fmt.Fprintf(w, "pad:        %s, %dx%d units, %.1f units/mm, pressure %v\n", orDash(r.Pad.Model), r.Pad.MaxX, r.Pad.MaxY, r.Pad.ResX, r.Pad.Pressure)
	fmt.Fprintf(w, "strokes:    %d\npoints:     %d\nduration:   %v\n", r.Strokes, r.Points, time.Duration(r.DurationMS)*time.Millisecond)
	if r.Pad.MaxX > 0 {
		fmt.Fprintf(w, "ink length: %.0f units (%.2f pad widths)\n", r.InkLength, r.InkLength/float64(r.Pad.MaxX))
	}
	fmt.Fprintf(w, "bbox:       x %d..%d, y %d..%d\n", r.BBox.MinX, r.BBox.MaxX, r.BBox.MinY, r.BBox.MaxY)
	if r.Hash != "" {
		fmt.Fprintf(w, "hash:       %s\n", r.Hash)
	}
	fmt.Fprintf(w, "line:       %+v\n", r.Line)
	if r.Valid {
		fmt.Fprintln(w, "valid:      yes")
		return
	}
	fmt.Fprintln(w, "valid:      no")
	for _, x := range r.rs {
		fmt.Fprintf(w, "  %-15s %s (%s)\n", x.Code, x.En, x.Detail)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sigDecode(c *cli, args []string) int {
	fs := flag.NewFlagSet("sig decode", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	f := addSigFlags(fs)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	strokes := fs.String("strokes", "", "write the strokes as JSON to this file")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || (*f.proto != "topaz" && *f.proto != "wacom4") {
		return c.usagef("usage: kioskctl sig decode --proto topaz|wacom4 [--json] [--png OUT] [--iso OUT] [--strokes OUT] FILE|-")
	}
	rules, ropt, err := f.settings()
	if err != nil {
		return c.usagef("%v", err)
	}
	var in io.Reader = c.stdin
	if pos[0] != "-" {
		fh, err := os.Open(pos[0])
		if err != nil {
			return c.errorf("sig decode: %v", err)
		}
		defer fh.Close()
		in = fh
	}
	var sig sigpad.Signature
	var line any
	switch *f.proto {
	case "topaz":
		var st topaz.Stats
		sig, st, err = topaz.Decode(in, topaz.DefaultInfo)
		line = st
	case "wacom4":
		var st wacom4.Stats
		sig, st, err = wacom4.Decode(in)
		line = st
	}
	if err != nil {
		return c.errorf("sig decode: %v", err)
	}
	r := report(sig, rules, line)
	if *asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		c.stdout.Write(append(b, '\n'))
	} else {
		r.print(c.stdout)
	}
	if err := writeForms(sig, ropt, *strokes, *f.iso, *f.png); err != nil {
		return c.errorf("sig decode: %v", err)
	}
	if !r.Valid {
		return 1
	}
	return 0
}

// writeForms writes the signature's three forms where asked.
func writeForms(sig sigpad.Signature, ropt sigpad.RenderOptions, strokesOut, isoOut, pngOut string) error {
	if strokesOut != "" {
		b, err := sig.MarshalIndent()
		if err != nil {
			return err
		}
		if err := os.WriteFile(strokesOut, b, 0o600); err != nil {
			return err
		}
	}
	if isoOut != "" {
		b, err := sigpad.EncodeISO(sig)
		if err != nil {
			return err
		}
		if err := os.WriteFile(isoOut, b, 0o600); err != nil {
			return err
		}
	}
	if pngOut != "" {
		var buf bytes.Buffer
		if err := sigpad.RenderPNG(&buf, sig, ropt); err != nil {
			return err
		}
		if err := os.WriteFile(pngOut, buf.Bytes(), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func sigCapture(c *cli, args []string) int {
	fs := flag.NewFlagSet("sig capture", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	f := addSigFlags(fs)
	port := fs.String("port", "", "serial device of the pad, e.g. /dev/sigpad")
	out := fs.String("out", "", "folder to write signature.json, signature.iso and signature.png into")
	timeout := fs.Duration("timeout", 60*time.Second, "give up when nothing was signed within this time")
	idle := fs.Duration("idle", 2*time.Second, "the signature is done when the pen has been up this long")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *port == "" || *out == "" || (*f.proto != "topaz" && *f.proto != "wacom4") || *idle <= 0 {
		return c.usagef("usage: kioskctl sig capture --port DEV --proto topaz|wacom4 --out DIR [--timeout 60s] [--idle 2s]")
	}
	rules, ropt, err := f.settings()
	if err != nil {
		return c.usagef("%v", err)
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return c.errorf("sig capture: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	clk := clock.Real{}
	var pad sigpad.Pad
	if *f.proto == "topaz" {
		pad, err = topaz.Open(*port, clk)
	} else {
		pad, err = wacom4.Open(ctx, *port, clk)
	}
	if err != nil {
		return c.errorf("sig capture: %v", err)
	}
	defer pad.Close()
	fmt.Fprintf(c.stderr, "sign on the pad now (%s, %dx%d); done after %v with the pen up\n", orDash(pad.Info().Model), pad.Info().MaxX, pad.Info().MaxY, *idle)
	sig, err := capture(ctx, pad, *idle)
	if err != nil {
		return c.errorf("sig capture: %v", err)
	}
	r := report(sig, rules, nil)
	r.print(c.stdout)
	if err := writeForms(sig, ropt, filepath.Join(*out, "signature.json"), filepath.Join(*out, "signature.iso"), filepath.Join(*out, "signature.png")); err != nil {
		return c.errorf("sig capture: %v", err)
	}
	fmt.Fprintf(c.stdout, "wrote %s/signature.{json,iso,png}\n", strings.TrimRight(*out, "/"))
	if !r.Valid {
		return 1
	}
	return 0
}

// capture reads samples until the pen has been up for idle after some ink.
func capture(ctx context.Context, pad sigpad.Pad, idle time.Duration) (sigpad.Signature, error) {
	inked := false
	for {
		wait := ctx
		var cancel context.CancelFunc = func() {}
		if inked {
			wait, cancel = context.WithTimeout(ctx, idle)
		}
		s, err := pad.Next(wait)
		idleOver := inked && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		switch {
		case idleOver:
			return pad.Signature(), nil
		case err != nil && errors.Is(err, context.DeadlineExceeded):
			if inked {
				return pad.Signature(), nil
			}
			return sigpad.Signature{}, errors.New("nothing was signed in time")
		case err != nil:
			return sigpad.Signature{}, err
		}
		if s.Down {
			inked = true
		}
	}
}

func sigEncode(c *cli, args []string) int {
	fs := flag.NewFlagSet("sig encode", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	proto := fs.String("proto", "", "pad protocol: topaz or wacom4")
	out := fs.String("out", "", "write to this file instead of stdout")
	noise := fs.Float64("noise", 0, "chance per packet of a burst of line noise before it (0..1)")
	seed := fs.Uint64("seed", 1, "seed of the noise")
	answers := fs.Bool("answers", true, "wacom4: start with the pad's answers to the set-up queries")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || (*proto != "topaz" && *proto != "wacom4") || !(*noise >= 0 && *noise <= 1) {
		return c.usagef("usage: kioskctl sig encode --proto topaz|wacom4 [--noise P --seed N] [--out FILE] STROKES.json")
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return c.errorf("sig encode: %v", err)
	}
	sig, err := sigpad.ParseJSON(b)
	if err != nil {
		return c.errorf("sig encode: %s: %v", pos[0], err)
	}
	if sig.Points() == 0 {
		return c.errorf("sig encode: %s: no strokes", pos[0])
	}
	stream, err := padsim.Stream(*proto, sig, *answers, *noise, entropy.Seeded(*seed))
	if err != nil {
		return c.errorf("sig encode: %v", err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, stream, 0o644); err != nil {
			return c.errorf("sig encode: %v", err)
		}
		return 0
	}
	c.stdout.Write(stream)
	return 0
}
