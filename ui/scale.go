package ui

import "image"

// scaleRGBA draws src's rectangle sr bilinearly scaled into d of dst,
// mirrored left-right if asked. It is the camera preview's fast path
// (several times faster than x/image/draw's approximate bilinear for
// RGBA to RGBA), in 8-bit fixed point.
func scaleRGBA(dst *image.RGBA, d image.Rectangle, src *image.RGBA, sr image.Rectangle, mirror bool) {
	sr = sr.Intersect(src.Rect)
	clip := d.Intersect(dst.Rect)
	if clip.Empty() || sr.Empty() {
		return
	}
	dw, dh := d.Dx(), d.Dy()
	sw, sh := sr.Dx(), sr.Dy()
	// Column tables: source byte offsets of the two taps and the weight.
	n := clip.Dx()
	x0s := make([]int, n)
	x1s := make([]int, n)
	fxs := make([]uint32, n)
	for i := 0; i < n; i++ {
		dx := clip.Min.X + i - d.Min.X
		if mirror {
			dx = dw - 1 - dx
		}
		// Centre of the destination pixel in source coordinates, x256.
		s := ((2*dx+1)*sw*256/(2*dw) - 128)
		if s < 0 {
			s = 0
		}
		x0 := s >> 8
		f := s & 0xFF
		if x0 >= sw-1 {
			x0, f = sw-1, 0
		}
		x1 := min(x0+1, sw-1)
		x0s[i], x1s[i], fxs[i] = 4*(sr.Min.X+x0-src.Rect.Min.X), 4*(sr.Min.X+x1-src.Rect.Min.X), uint32(f)
	}
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		dy := y - d.Min.Y
		s := ((2*dy+1)*sh*256/(2*dh) - 128)
		if s < 0 {
			s = 0
		}
		y0 := s >> 8
		fy := uint32(s & 0xFF)
		if y0 >= sh-1 {
			y0, fy = sh-1, 0
		}
		y1 := min(y0+1, sh-1)
		r0 := src.Pix[(sr.Min.Y+y0-src.Rect.Min.Y)*src.Stride:]
		r1 := src.Pix[(sr.Min.Y+y1-src.Rect.Min.Y)*src.Stride:]
		out := dst.Pix[dst.PixOffset(clip.Min.X, y):]
		gy := 256 - fy
		for i := 0; i < n; i++ {
			a, b, fx := x0s[i], x1s[i], fxs[i]
			gx := 256 - fx
			p00, p01 := r0[a:a+4:a+4], r0[b:b+4:b+4]
			p10, p11 := r1[a:a+4:a+4], r1[b:b+4:b+4]
			o := out[4*i : 4*i+4 : 4*i+4]
			w00, w01, w10, w11 := gx*gy, fx*gy, gx*fy, fx*fy
			o[0] = uint8((uint32(p00[0])*w00 + uint32(p01[0])*w01 + uint32(p10[0])*w10 + uint32(p11[0])*w11 + 0x8000) >> 16)
			o[1] = uint8((uint32(p00[1])*w00 + uint32(p01[1])*w01 + uint32(p10[1])*w10 + uint32(p11[1])*w11 + 0x8000) >> 16)
			o[2] = uint8((uint32(p00[2])*w00 + uint32(p01[2])*w01 + uint32(p10[2])*w10 + uint32(p11[2])*w11 + 0x8000) >> 16)
			o[3] = uint8((uint32(p00[3])*w00 + uint32(p01[3])*w01 + uint32(p10[3])*w10 + uint32(p11[3])*w11 + 0x8000) >> 16)
		}
	}
}
