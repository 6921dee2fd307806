// Package all registers every hardware backend: importing it for its side
// effects makes all schemes of every device kind available to hw registries.
package all

import (
	_ "github.com/hbzk/kiosk/device/camera/camsim" // camera "sim"
	_ "github.com/hbzk/kiosk/drivers/opencv"       // camera "v4l2", "file", "dir"
)
