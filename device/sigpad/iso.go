package sigpad

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ISO/IEC 19794-7:2007 full format. The layout is described in doc.go.

// ErrISO is matched (errors.Is) by every error of DecodeISO about the
// record's content.
var ErrISO = errors.New("not an ISO/IEC 19794-7:2007 full-format record")

// ErrISORange is returned by EncodeISO for a signature that the format
// cannot hold (coordinates over 32767, over 65.535 s, over 16777215
// samples).
var ErrISORange = errors.New("signature does not fit the ISO/IEC 19794-7 full format")

// The channels in their order in the channel inclusion field (bit 15 first).
const (
	chX = iota
	chY
	chZ
	chVX
	chVY
	chAX
	chAY
	chT
	chDT
	chF
	chS
	chTX
	chTY
	chAz
	chEl
	chR
	nChannels
)

var channelNames = [nChannels]string{"X", "Y", "Z", "VX", "VY", "AX", "AY", "T", "DT", "F", "S", "TX", "TY", "Az", "El", "R"}

// signedChannel says which channels hold signed values.
var signedChannel = [nChannels]bool{chX: true, chY: true, chVX: true, chVY: true, chAX: true, chAY: true, chTX: true, chTY: true}

// Preamble bits of a channel description.
const (
	preScale  = 0x80
	preMin    = 0x40
	preMax    = 0x20
	preMean   = 0x10
	preStd    = 0x08
	preConst  = 0x04
	preLinear = 0x02
)

var isoMagic = []byte("SDI\x00")
var isoVersion = []byte(" 10\x00")

// channelDesc is the attributes of one channel.
type channelDesc struct {
	pre           byte
	scale         float64
	min, max, avg int
	std           int
}

// encodeScale writes a ScalingValue: 5-bit two's complement exponent and
// 11-bit fraction, value = 2^exp * (1 + fraction/2048).
func encodeScale(v float64) (uint16, error) {
	if !(v >= math.Ldexp(1, -16)) || v >= math.Ldexp(1, 16) {
		return 0, fmt.Errorf("sigpad: iso: scaling value %v: want 2^-16..2^16: %w", v, ErrISORange)
	}
	exp := int(math.Floor(math.Log2(v)))
	frac := int(math.Round((v/math.Ldexp(1, exp) - 1) * 2048))
	if frac >= 2048 {
		exp, frac = exp+1, 0
	}
	if exp > 15 {
		return 0, fmt.Errorf("sigpad: iso: scaling value %v: %w", v, ErrISORange)
	}
	return uint16(exp&0x1F)<<11 | uint16(frac), nil
}

func decodeScale(u uint16) float64 {
	exp := int(u >> 11)
	if exp >= 16 {
		exp -= 32
	}
	return math.Ldexp(1+float64(u&0x7FF)/2048, exp)
}

// EncodeISO encodes a signature as an ISO/IEC 19794-7:2007 full-format
// record with the channels X, Y, T, F (when the pad has pressure) and S.
// Between strokes it writes one pen-up sample (S = 0) at the last point of
// the stroke that ends, so that the strokes come back apart.
func EncodeISO(s Signature) ([]byte, error) {
	if s.Points() == 0 {
		return nil, fmt.Errorf("sigpad: iso: %w", ErrEmpty)
	}
	pressure := s.Pad.Pressure && s.Pad.PressureLevels > 1
	incl := uint16(1<<(15-chX) | 1<<(15-chY) | 1<<(15-chT) | 1<<(15-chS))
	if pressure {
		incl |= 1 << (15 - chF)
	}
	if s.Pad.MaxX > math.MaxInt16 || s.Pad.MaxY > math.MaxInt16 || s.Pad.MaxX < 0 || s.Pad.MaxY < 0 {
		return nil, fmt.Errorf("sigpad: iso: pad range %dx%d over 32767: %w", s.Pad.MaxX, s.Pad.MaxY, ErrISORange)
	}
	b := append([]byte(nil), isoMagic...)
	b = append(b, isoVersion...)
	b = binary.BigEndian.AppendUint16(b, incl)
	// X and Y: scaling in units per mm when known, min 0 and max the pad's.
	b = appendXY(b, s.Pad.ResX, s.Pad.MaxX)
	b = appendXY(b, s.Pad.ResY, s.Pad.MaxY)
	// T: 1000 units per second, so values are milliseconds.
	sc, _ := encodeScale(1000)
	b = append(b, preScale)
	b = binary.BigEndian.AppendUint16(b, sc)
	if pressure {
		b = append(b, preMin|preMax)
		b = binary.BigEndian.AppendUint16(b, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(min(s.Pad.PressureLevels-1, math.MaxUint16)))
	}
	b = append(b, 0) // S: no attributes
	b = append(b, 0) // reserved
	n := s.Points() + len(s.Strokes) - 1
	if n > 1<<24-1 {
		return nil, fmt.Errorf("sigpad: iso: %d samples: %w", n, ErrISORange)
	}
	b = append(b, byte(n>>16), byte(n>>8), byte(n))
	levels := float64(s.Pad.PressureLevels - 1)
	put := func(p Sample, down bool) error {
		if p.X < math.MinInt16 || p.X > math.MaxInt16 || p.Y < math.MinInt16 || p.Y > math.MaxInt16 {
			return fmt.Errorf("sigpad: iso: sample (%d,%d): %w", p.X, p.Y, ErrISORange)
		}
		if p.T < 0 || p.T > math.MaxUint16 {
			return fmt.Errorf("sigpad: iso: time %d ms: want 0..65535: %w", p.T, ErrISORange)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(int16(p.X)))
		b = binary.BigEndian.AppendUint16(b, uint16(int16(p.Y)))
		b = binary.BigEndian.AppendUint16(b, uint16(p.T))
		if pressure {
			b = binary.BigEndian.AppendUint16(b, uint16(math.Round(math.Min(math.Max(p.P, 0), 1)*levels)))
		}
		if down {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		return nil
	}
	for i, k := range s.Strokes {
		if len(k) == 0 {
			return nil, fmt.Errorf("sigpad: iso: stroke %d is empty", i)
		}
		if i > 0 {
			if err := put(s.Strokes[i-1][len(s.Strokes[i-1])-1], false); err != nil {
				return nil, err
			}
		}
		for _, p := range k {
			if err := put(p, true); err != nil {
				return nil, err
			}
		}
	}
	b = binary.BigEndian.AppendUint16(b, 0) // no extended data
	return b, nil
}

func appendXY(b []byte, res float64, max int) []byte {
	if sc, err := encodeScale(res); err == nil && res > 0 {
		b = append(b, preScale|preMin|preMax)
		b = binary.BigEndian.AppendUint16(b, sc)
	} else {
		b = append(b, preMin|preMax)
	}
	b = binary.BigEndian.AppendUint16(b, 0)
	return binary.BigEndian.AppendUint16(b, uint16(int16(max)))
}

type isoReader struct {
	b   []byte
	off int
}

func (r *isoReader) need(n int, what string) error {
	if len(r.b)-r.off < n {
		return fmt.Errorf("sigpad: iso: %s at offset %d: want %d bytes, have %d: %w", what, r.off, n, len(r.b)-r.off, ErrISO)
	}
	return nil
}

func (r *isoReader) u8(what string) (byte, error) {
	if err := r.need(1, what); err != nil {
		return 0, err
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *isoReader) u16(what string) (uint16, error) {
	if err := r.need(2, what); err != nil {
		return 0, err
	}
	r.off += 2
	return binary.BigEndian.Uint16(r.b[r.off-2:]), nil
}

// DecodeISO reads an ISO/IEC 19794-7:2007 full-format record. It needs the
// X, Y and T (or DT) channels; strokes are split on the S channel (or on
// zero F when there is no S); other channels are read and dropped.
func DecodeISO(data []byte) (Signature, error) {
	var s Signature
	r := &isoReader{b: data}
	if err := r.need(10, "header"); err != nil {
		return s, err
	}
	if string(data[:4]) != string(isoMagic) {
		return s, fmt.Errorf("sigpad: iso: format identifier %q: want \"SDI\\x00\": %w", data[:4], ErrISO)
	}
	if string(data[4:8]) != string(isoVersion) {
		return s, fmt.Errorf("sigpad: iso: version %q: want \" 10\\x00\" (19794-7:2007): %w", data[4:8], ErrISO)
	}
	r.off = 8
	incl, _ := r.u16("channel inclusion")
	var has [nChannels]bool
	var desc [nChannels]channelDesc
	for c := 0; c < nChannels; c++ {
		has[c] = incl&(1<<(15-c)) != 0
	}
	if !has[chX] || !has[chY] {
		return s, fmt.Errorf("sigpad: iso: channel inclusion %#04x: X and Y are mandatory: %w", incl, ErrISO)
	}
	if !has[chT] && !has[chDT] {
		return s, fmt.Errorf("sigpad: iso: channel inclusion %#04x: no T or DT channel, sample times unknown: %w", incl, ErrISO)
	}
	for c := 0; c < nChannels; c++ {
		if !has[c] {
			continue
		}
		name := "channel " + channelNames[c]
		pre, err := r.u8(name + " preamble")
		if err != nil {
			return s, err
		}
		if pre&1 != 0 {
			return s, fmt.Errorf("sigpad: iso: %s preamble %#02x: reserved bit set: %w", name, pre, ErrISO)
		}
		d := channelDesc{pre: pre}
		val := func(bit byte, what string, dst *int) error {
			if pre&bit == 0 {
				return nil
			}
			u, err := r.u16(name + " " + what)
			if err != nil {
				return err
			}
			if signedChannel[c] && what != "std" {
				*dst = int(int16(u))
			} else {
				*dst = int(u)
			}
			return nil
		}
		if pre&preScale != 0 {
			u, err := r.u16(name + " scaling value")
			if err != nil {
				return s, err
			}
			d.scale = decodeScale(u)
		}
		for _, f := range []struct {
			bit  byte
			what string
			dst  *int
		}{{preMin, "min", &d.min}, {preMax, "max", &d.max}, {preMean, "mean", &d.avg}, {preStd, "std", &d.std}} {
			if err := val(f.bit, f.what, f.dst); err != nil {
				return s, err
			}
		}
		desc[c] = d
	}
	if _, err := r.u8("reserved byte"); err != nil {
		return s, err
	}
	if err := r.need(3, "sample count"); err != nil {
		return s, err
	}
	n := int(data[r.off])<<16 | int(data[r.off+1])<<8 | int(data[r.off+2])
	r.off += 3
	size := 0
	for c := 0; c < nChannels; c++ {
		if has[c] {
			if c == chS {
				size++
			} else {
				size += 2
			}
		}
	}
	if err := r.need(n*size, fmt.Sprintf("%d samples of %d bytes", n, size)); err != nil {
		return s, err
	}
	info := Info{MaxX: desc[chX].max, MaxY: desc[chY].max, ResX: desc[chX].scale, ResY: desc[chY].scale}
	if has[chF] && desc[chF].pre&preMax != 0 && desc[chF].max > 0 {
		info.Pressure, info.PressureLevels = true, desc[chF].max+1
	}
	tScale := 1.0 // ms per unit
	if has[chT] && desc[chT].scale > 0 {
		tScale = 1000 / desc[chT].scale
	} else if has[chDT] && desc[chDT].scale > 0 {
		tScale = 1000 / desc[chDT].scale
	}
	b := NewBuilder(info)
	var tacc int64
	var t0 int64
	for i := 0; i < n; i++ {
		var v [nChannels]int
		for c := 0; c < nChannels; c++ {
			if !has[c] {
				continue
			}
			if c == chS {
				v[c] = int(data[r.off])
				r.off++
				continue
			}
			u := binary.BigEndian.Uint16(data[r.off:])
			r.off += 2
			if signedChannel[c] {
				v[c] = int(int16(u))
			} else {
				v[c] = int(u)
			}
		}
		p := Sample{X: v[chX], Y: v[chY], Down: true}
		if has[chT] {
			p.T = int64(math.Round(float64(v[chT]) * tScale))
		} else {
			if i > 0 {
				tacc += int64(v[chDT])
			}
			p.T = int64(math.Round(float64(tacc) * tScale))
		}
		if i == 0 {
			t0 = p.T
		}
		if p.T < t0 {
			return s, fmt.Errorf("sigpad: iso: sample %d: time goes back (%d ms after %d ms): %w", i, p.T, t0, ErrISO)
		}
		t0 = p.T
		if info.Pressure {
			p.P = float64(v[chF]) / float64(info.PressureLevels-1)
			if p.P > 1 {
				return s, fmt.Errorf("sigpad: iso: sample %d: pressure %d over max %d: %w", i, v[chF], info.PressureLevels-1, ErrISO)
			}
		}
		switch {
		case has[chS]:
			p.Down = v[chS] != 0
		case has[chF]:
			p.Down = v[chF] != 0
		}
		b.addAbs(p)
	}
	ext, err := r.u16("extended data length")
	if err != nil {
		return s, err
	}
	if err := r.need(int(ext), "extended data"); err != nil {
		return s, err
	}
	r.off += int(ext)
	if r.off != len(data) {
		return s, fmt.Errorf("sigpad: iso: %d bytes after the record: %w", len(data)-r.off, ErrISO)
	}
	s = b.Signature()
	if s.Points() == 0 {
		return s, fmt.Errorf("sigpad: iso: no pen-down sample: %w", ErrEmpty)
	}
	return s, nil
}

// addAbs adds a sample keeping its time as it is.
func (b *Builder) addAbs(s Sample) {
	if !s.Down {
		b.open = false
		return
	}
	if !b.open {
		b.sig.Strokes = append(b.sig.Strokes, nil)
		b.open = true
	}
	i := len(b.sig.Strokes) - 1
	b.sig.Strokes[i] = append(b.sig.Strokes[i], s)
}
