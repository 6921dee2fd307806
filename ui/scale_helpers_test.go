package ui

import (
	"image"

	xdraw "golang.org/x/image/draw"
)

func xdrawBiLinear(dst *image.RGBA, d image.Rectangle, src *image.RGBA) {
	xdraw.BiLinear.Scale(dst, d, src, src.Rect, xdraw.Src, nil)
}

func mirrorRect(img *image.RGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for i, j := r.Min.X, r.Max.X-1; i < j; i, j = i+1, j-1 {
			a, b := img.RGBAAt(i, y), img.RGBAAt(j, y)
			img.SetRGBA(i, y, b)
			img.SetRGBA(j, y, a)
		}
	}
}
