package audio

import "math"

// Peak is the largest absolute sample value.
func Peak(p PCM) int {
	m := 0
	for _, s := range p.Samples {
		v := int(s)
		if v < 0 {
			v = -v
		}
		m = max(m, v)
	}
	return m
}

// RMS is the root mean square of the samples, in sample units.
func RMS(p PCM) float64 {
	if len(p.Samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range p.Samples {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(p.Samples)))
}

// DBFS is a level in decibels relative to full scale (32768); -inf for 0.
func DBFS(level float64) float64 {
	if level <= 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(level/32768)
}

// ClipFraction is the fraction of samples at or within one step of full
// scale.
func ClipFraction(p PCM) float64 {
	if len(p.Samples) == 0 {
		return 0
	}
	n := 0
	for _, s := range p.Samples {
		if s >= math.MaxInt16-1 || s <= math.MinInt16+1 {
			n++
		}
	}
	return float64(n) / float64(len(p.Samples))
}
