// Package wlt decodes the chip photo of resident ID cards (the proprietary
// 1024-byte WLT wavelet format) through the reader vendor's decoding
// library, loaded by path at run time with purego (dlopen, no cgo).
//
// The library is the one reader vendors ship for Linux, libwlt2bmp.so,
// whose decoding function is, in the vendors' sample code:
//
//	int unpack(char *wlt, char *bmp, int saveBmpFile);
//
// It returns 1 on success and writes into bmp either a complete 24-bit BMP
// file (38862 bytes, rows of 308 bytes bottom-up) or, in some versions,
// only the 102x126 BGR pixels bottom-up (38556 bytes); both are read here.
// saveBmpFile is passed 0 (some versions write zp.bmp into the working
// folder otherwise). Other vendors' libraries name the function
// differently: the function name is an option.
//
// Sources: vendors' SDK samples (Java JNI wrappers declaring
// wlt2Bmp(byte[] wlt, byte[] bmp) with a 38556-byte output buffer, C
// samples calling unpack with a 38862-byte buffer).
package wlt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync"

	"github.com/ebitengine/purego"
	"golang.org/x/image/bmp"

	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
)

func init() {
	idcard.PhotoDecoders.Register("wlt", func(ctx context.Context, arg string, env hw.Env) (idcard.PhotoDecoder, error) {
		path, fn, _ := strings.Cut(arg, "#")
		if path == "" {
			path = DefaultLibrary
		} else if strings.Contains(path, "/") {
			path = env.Resolve(path)
		}
		return Open(path, fn)
	})
}

// DefaultLibrary is the library's usual file name (searched by the dynamic
// loader: LD_LIBRARY_PATH, /etc/ld.so.conf).
const DefaultLibrary = "libwlt2bmp.so"

// DefaultFunction is the decoding function's usual name.
const DefaultFunction = "unpack"

const (
	bmpFileSize = 54 + 308*idcard.PhotoHeight
	rawSize     = 3 * idcard.PhotoWidth * idcard.PhotoHeight
)

// ErrLibrary: the library or its function could not be loaded.
var ErrLibrary = errors.New("wlt: vendor photo library unavailable")

// ErrDecode: the library refused the photo.
var ErrDecode = errors.New("wlt: photo could not be decoded")

// Library is a loaded vendor library; it implements idcard.PhotoDecoder.
// Vendor libraries are seldom thread-safe: calls are serialised.
type Library struct {
	path   string
	mu     sync.Mutex
	unpack func(src, dst *byte, save int32) int32
}

var _ idcard.PhotoDecoder = (*Library)(nil)

// Open loads the library at path (a file name is searched by the dynamic
// loader) and looks up function (DefaultFunction when empty).
func Open(path, function string) (*Library, error) {
	if function == "" {
		function = DefaultFunction
	}
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("%w: loading %s: %v (install the reader vendor's Linux SDK, or set the path)", ErrLibrary, path, err)
	}
	sym, err := purego.Dlsym(h, function)
	if err != nil {
		purego.Dlclose(h)
		return nil, fmt.Errorf("%w: %s has no function %q: %v", ErrLibrary, path, function, err)
	}
	l := &Library{path: path}
	purego.RegisterFunc(&l.unpack, sym)
	return l, nil
}

// DecodePhoto decodes 1024 bytes of WLT into a 102x126 image.
func (l *Library) DecodePhoto(wlt []byte) (image.Image, error) {
	if len(wlt) != idcard.PhotoSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrDecode, len(wlt), idcard.PhotoSize)
	}
	src := append([]byte(nil), wlt...)
	// Room for the BMP file and some slack against libraries that write a
	// little past it.
	dst := make([]byte, bmpFileSize+1024)
	l.mu.Lock()
	rc := l.unpack(&src[0], &dst[0], 0)
	l.mu.Unlock()
	if rc != 1 {
		return nil, fmt.Errorf("%w: %s returned %d", ErrDecode, l.path, rc)
	}
	return FromOutput(dst)
}

// FromOutput reads what the library wrote: a BMP file or raw BGR pixels.
func FromOutput(dst []byte) (image.Image, error) {
	if len(dst) >= 2 && dst[0] == 'B' && dst[1] == 'M' {
		img, err := bmp.Decode(bytes.NewReader(dst))
		if err != nil {
			return nil, fmt.Errorf("%w: library output: %v", ErrDecode, err)
		}
		if b := img.Bounds(); b.Dx() != idcard.PhotoWidth || b.Dy() != idcard.PhotoHeight {
			return nil, fmt.Errorf("%w: library output is %dx%d", ErrDecode, b.Dx(), b.Dy())
		}
		return img, nil
	}
	if len(dst) < rawSize {
		return nil, fmt.Errorf("%w: library output of %d bytes, want %d", ErrDecode, len(dst), rawSize)
	}
	img := image.NewRGBA(image.Rect(0, 0, idcard.PhotoWidth, idcard.PhotoHeight))
	for y := 0; y < idcard.PhotoHeight; y++ {
		row := dst[(idcard.PhotoHeight-1-y)*3*idcard.PhotoWidth:]
		for x := 0; x < idcard.PhotoWidth; x++ {
			img.SetRGBA(x, y, color.RGBA{row[3*x+2], row[3*x+1], row[3*x], 255})
		}
	}
	return img, nil
}
