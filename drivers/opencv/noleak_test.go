//go:build !matprofile

package opencv

func checkMatLeaks() int { return 0 }
