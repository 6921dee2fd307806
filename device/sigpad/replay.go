package sigpad

import "math"

// TickTime is the time in ms of a pad's n-th report at rate reports a
// second (rounded down).
func TickTime(n int, rate int) int64 { return int64(n) * 1000 / int64(rate) }

// Replay gives the reports a pad described by to, sending rate reports a
// second while the pen is near, would send while s is written on it: one
// sample per tick, pen-down inside a stroke, pen-up (hovering on the way)
// between strokes, and one pen-up sample at the end. Coordinates are mapped
// from s's pad range to to's, pressure is rounded to to's levels (0 without
// pressure). A stroke shorter than a tick still gives one pen-down sample.
// Sample n has T = TickTime(n, rate).
func Replay(s Signature, to Info, rate int) []Sample {
	if rate <= 0 || s.Points() == 0 {
		return nil
	}
	// Map the source pad's area onto the target's: in millimetres with one
	// scale, centred, when both resolutions are known (the signature keeps
	// its shape); else range onto range.
	sx := float64(to.MaxX) / float64(max(s.Pad.MaxX, 1))
	sy := float64(to.MaxY) / float64(max(s.Pad.MaxY, 1))
	var ox, oy float64
	if s.Pad.ResX > 0 && s.Pad.ResY > 0 && to.ResX > 0 && to.ResY > 0 {
		ws, hs := float64(s.Pad.MaxX)/s.Pad.ResX, float64(s.Pad.MaxY)/s.Pad.ResY
		wt, ht := float64(to.MaxX)/to.ResX, float64(to.MaxY)/to.ResY
		k := math.Min(wt/ws, ht/hs)
		sx, sy = k*to.ResX/s.Pad.ResX, k*to.ResY/s.Pad.ResY
		ox, oy = (wt-ws*k)/2*to.ResX, (ht-hs*k)/2*to.ResY
	}
	levels := 0
	if to.Pressure && to.PressureLevels > 1 {
		levels = to.PressureLevels
	}
	mk := func(x, y, p float64, down bool, n int) Sample {
		out := Sample{T: TickTime(n, rate), Down: down,
			X: min(max(int(math.Round(x*sx+ox)), 0), to.MaxX),
			Y: min(max(int(math.Round(y*sy+oy)), 0), to.MaxY)}
		if levels > 0 && down {
			if !s.Pad.Pressure {
				p = 0.6
			}
			out.P = math.Round(math.Min(math.Max(p, 0), 1)*float64(levels-1)) / float64(levels-1)
		}
		return out
	}
	// tick returns the first tick at or after t ms.
	tick := func(t int64) int {
		n := int(t * int64(rate) / 1000)
		for TickTime(n, rate) < t {
			n++
		}
		return n
	}
	t0 := s.Strokes[0][0].T
	var out []Sample
	next := 0 // the next free tick
	for i, k := range s.Strokes {
		start, end := k[0].T-t0, k[len(k)-1].T-t0
		n := max(tick(start), next)
		// Hover from the end of the previous stroke to this one.
		if i > 0 {
			prev := s.Strokes[i-1][len(s.Strokes[i-1])-1]
			pstart := prev.T - t0
			for ; next < n; next++ {
				f := 0.0
				if start > pstart {
					f = float64(TickTime(next, rate)-pstart) / float64(start-pstart)
				}
				f = math.Min(math.Max(f, 0), 1)
				out = append(out, mk(float64(prev.X)+f*float64(k[0].X-prev.X), float64(prev.Y)+f*float64(k[0].Y-prev.Y), 0, false, next))
			}
		}
		j := 0
		for first := true; first || TickTime(n, rate) <= end; n++ {
			first = false
			t := TickTime(n, rate)
			for j+1 < len(k) && k[j+1].T-t0 <= t {
				j++
			}
			a := k[j]
			x, y, p := float64(a.X), float64(a.Y), a.P
			if j+1 < len(k) {
				b := k[j+1]
				if dt := b.T - a.T; dt > 0 {
					f := math.Min(math.Max(float64(t-(a.T-t0))/float64(dt), 0), 1)
					x += f * float64(b.X-a.X)
					y += f * float64(b.Y-a.Y)
					p += f * (b.P - a.P)
				}
			}
			out = append(out, mk(x, y, p, true, n))
		}
		next = n
	}
	last := out[len(out)-1]
	out = append(out, Sample{T: TickTime(next, rate), X: last.X, Y: last.Y})
	return out
}
