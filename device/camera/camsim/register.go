package camsim

import (
	"context"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/hw"
)

type hwEnv = hw.Env

func init() {
	camera.Backends.RegisterSim("sim", func(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
		return Open(ctx, arg, env)
	})
}
