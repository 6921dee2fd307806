package wlt

import (
	"context"
	"errors"
	"image/color"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
)

func TestMissingLibrary(t *testing.T) {
	_, err := Open("/nonexistent/libwlt2bmp.so", "")
	if !errors.Is(err, ErrLibrary) || !strings.Contains(err.Error(), "/nonexistent/libwlt2bmp.so") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingFunction(t *testing.T) {
	_, err := Open("libc.so.6", "no_such_unpack")
	if !errors.Is(err, ErrLibrary) || !strings.Contains(err.Error(), "no_such_unpack") {
		t.Fatalf("got %v", err)
	}
}

// TestFakeLibrary builds a stand-in library with the C compiler and decodes
// through it: the dlopen path end to end.
func TestFakeLibrary(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build the stand-in library (apt install gcc)")
	}
	so := filepath.Join(t.TempDir(), "libwlt2bmp.so")
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", so, "testdata/fakewlt.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	l, err := Open(so, "")
	if err != nil {
		t.Fatal(err)
	}
	photo := make([]byte, 1024)
	copy(photo, "W\x10\x80\xF0")
	img, err := l.DecodePhoto(photo)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 102 || b.Dy() != 126 {
		t.Fatalf("size %v", b)
	}
	if got := color.RGBAModel.Convert(img.At(50, 60)).(color.RGBA); got != (color.RGBA{0x10, 0x80, 0xF0, 255}) {
		t.Errorf("pixel %v", got)
	}
	photo[0] = 'X'
	if _, err := l.DecodePhoto(photo); !errors.Is(err, ErrDecode) {
		t.Errorf("refused photo: %v", err)
	}
	if _, err := l.DecodePhoto(photo[:10]); !errors.Is(err, ErrDecode) {
		t.Errorf("short photo: %v", err)
	}
}

func TestRawOutput(t *testing.T) {
	raw := make([]byte, rawSize)
	// Bottom row (first in the buffer), first pixel: B G R = 1 2 3.
	raw[0], raw[1], raw[2] = 1, 2, 3
	img, err := FromOutput(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := color.RGBAModel.Convert(img.At(0, 125)).(color.RGBA); got != (color.RGBA{3, 2, 1, 255}) {
		t.Errorf("pixel %v", got)
	}
	if _, err := FromOutput(raw[:100]); !errors.Is(err, ErrDecode) {
		t.Errorf("short: %v", err)
	}
	if _, err := FromOutput([]byte("BM garbage")); !errors.Is(err, ErrDecode) {
		t.Errorf("bad bmp: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	_, rep := idcard.PhotoDecoders.Open(context.Background(), "wlt:/nonexistent/libwlt2bmp.so", hw.Env{})
	if rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), "/nonexistent/libwlt2bmp.so") {
		t.Errorf("got %v", rep)
	}
}
