package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/photo"
	"github.com/hbzk/kiosk/drivers/opencv"
)

func init() {
	register(command{name: "photo check", summary: "registration photo quality checks: IN [--json] [--models MANIFEST]", run: photoCheck})
	register(command{name: "photo make", summary: "make the registration photo: [--json] [--live IMG] [--models MANIFEST] IN OUT", run: photoMake})
}

// visionFlags are the options of the photo and liveness commands.
type visionFlags struct {
	json       bool
	models     string
	live       string
	challenges string
	digits     string
	perform    bool
	fps        float64
	args       []string
}

func parseVisionFlags(args []string, allowed ...string) (visionFlags, error) {
	f := visionFlags{challenges: "blink,turn_left", digits: "0000", fps: 30}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		name = "--" + strings.TrimLeft(name, "-")
		if !strings.HasPrefix(a, "-") || a == "-" {
			f.args = append(f.args, a)
			continue
		}
		if a == "--" {
			f.args = append(f.args, args[i+1:]...)
			break
		}
		if !ok[name] {
			return f, fmt.Errorf("unknown option %s", a)
		}
		takes := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s wants a value", name)
			}
			i++
			return args[i], nil
		}
		var err error
		switch name {
		case "--json":
			f.json = true
		case "--perform":
			f.perform = true
		case "--models":
			f.models, err = takes()
		case "--live":
			f.live, err = takes()
		case "--challenges":
			f.challenges, err = takes()
		case "--digits":
			f.digits, err = takes()
			if err == nil && (len(f.digits) != 4 || strings.Trim(f.digits, "0123456789") != "") {
				err = fmt.Errorf("--digits %q: want four digits", f.digits)
			}
		case "--fps":
			var s string
			if s, err = takes(); err == nil {
				if _, e := fmt.Sscanf(s, "%g", &f.fps); e != nil || !(f.fps > 0 && f.fps <= 240) || math.IsNaN(f.fps) {
					err = fmt.Errorf("--fps %q: want a frame rate in (0, 240]", s)
				}
			}
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// openVision loads the face engine and the liveness stages.
func (f *visionFlags) openVision() (*opencv.Engine, *opencv.LiveAnalyzer, error) {
	path := f.models
	if path == "" {
		path = "models/manifest.toml"
		if _, err := os.Stat(path); err != nil {
			path = "/usr/share/kiosk/models/manifest.toml"
		}
	}
	man, err := face.LoadManifest(path)
	if err != nil {
		return nil, nil, err
	}
	eng, err := opencv.New(man, opencv.Options{Threads: 1})
	if err != nil {
		return nil, nil, err
	}
	la, err := opencv.NewLiveAnalyzer(eng)
	if err != nil {
		eng.Close()
		return nil, nil, err
	}
	return eng, la, nil
}

func writeReport(c *cli, r photo.Report, asJSON bool) {
	if asJSON {
		if r.Checks == nil {
			r.Checks = []photo.Check{}
		}
		b, _ := json.Marshal(r)
		fmt.Fprintln(c.stdout, string(b))
		return
	}
	for _, ch := range r.Checks {
		mark := "ok  "
		if !ch.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(c.stdout, "%s %-14s %10.3f  %s\n", mark, ch.Name, ch.Value, ch.Detail)
	}
	verdict := "refused"
	if r.OK {
		verdict = "ok"
	}
	fmt.Fprintf(c.stdout, "%s: %dx%d, %d bytes, background replaced: %v\n", verdict, r.Width, r.Height, r.Bytes, r.BackgroundReplaced)
}

func photoCheck(c *cli, args []string) int {
	f, err := parseVisionFlags(args, "--json", "--models")
	if err != nil || len(f.args) != 1 {
		if err == nil {
			err = errors.New("want one image")
		}
		return c.usagef("photo check: %v (usage: kioskctl photo check IN [--json] [--models MANIFEST])", err)
	}
	img, err := opencv.ReadImage(f.args[0])
	if err != nil {
		return c.errorf("photo check: %v", err)
	}
	eng, la, err := f.openVision()
	if err != nil {
		return c.errorf("photo check: %v", err)
	}
	defer eng.Close()
	m := &photo.Maker{Analyzer: opencv.NewPhotoAnalyzer(la), Spec: photo.DefaultSpec()}
	r, err := m.Check(&img)
	if err != nil && !errors.Is(err, photo.ErrRefused) {
		return c.errorf("photo check: %v", err)
	}
	writeReport(c, r, f.json)
	if !r.OK {
		return 1
	}
	return 0
}

func photoMake(c *cli, args []string) int {
	f, err := parseVisionFlags(args, "--json", "--models", "--live")
	if err != nil || len(f.args) != 2 {
		if err == nil {
			err = errors.New("want IN and OUT")
		}
		return c.usagef("photo make: %v (usage: kioskctl photo make [--json] [--live IMG] [--models MANIFEST] IN OUT)", err)
	}
	in, out := f.args[0], f.args[1]
	if filepath.Clean(in) == filepath.Clean(out) {
		return c.usagef("photo make: IN and OUT are the same file")
	}
	img, err := opencv.ReadImage(in)
	if err != nil {
		return c.errorf("photo make: %v", err)
	}
	eng, la, err := f.openVision()
	if err != nil {
		return c.errorf("photo make: %v", err)
	}
	defer eng.Close()
	var live face.Embedding
	if f.live != "" {
		li, err := opencv.ReadImage(f.live)
		if err != nil {
			return c.errorf("photo make: live face: %v", err)
		}
		lf, err := eng.Face(&li, face.Live)
		if err != nil {
			return c.errorf("photo make: live face %s: %v", f.live, err)
		}
		live = lf.Embedding
	}
	m := &photo.Maker{Analyzer: opencv.NewPhotoAnalyzer(la), Spec: photo.DefaultSpec()}
	p, r, err := m.Make(&img, live)
	if err != nil {
		if !errors.Is(err, photo.ErrRefused) {
			return c.errorf("photo make: %v", err)
		}
		writeReport(c, r, f.json)
		if !f.json {
			fmt.Fprintf(c.stderr, "kioskctl: photo make: refused (%s); nothing written\n", strings.Join(r.Failed(), ", "))
		}
		return 1
	}
	// Write to a temporary file in OUT's folder, then rename: a failed
	// write leaves nothing behind.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".photo-*.jpg")
	if err != nil {
		return c.errorf("photo make: %v", err)
	}
	_, werr := tmp.Write(p.JPEG)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return c.errorf("photo make: write %s: %v", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return c.errorf("photo make: %v", err)
	}
	writeReport(c, r, f.json)
	return 0
}
