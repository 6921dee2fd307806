package opencv

import (
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/face"
)

// OptionsFromConfig maps kiosk.toml's [face] section onto engine options.
func OptionsFromConfig(c config.FaceConfig) Options {
	return Options{Threads: c.Threads, MinFacePx: c.MinFacePx, Threshold: c.Threshold}
}

// NewFromConfig loads the manifest named by paths.models and the engine
// with the [face] settings.
func NewFromConfig(cfg *config.Config) (*Engine, error) {
	man, err := face.LoadManifest(cfg.Path(cfg.Paths.Models))
	if err != nil {
		return nil, err
	}
	return New(man, OptionsFromConfig(cfg.Face))
}
