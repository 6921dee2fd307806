package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/record"
)

// OpenConfig opens the store kiosk.toml describes ([store] db and key under
// paths.state_dir, [device] id). With sign, the device key ([sync]
// device_key) is loaded so that Commit works: the kiosk opens it so;
// kioskctl opens it without. clk, rand and log may be nil.
func OpenConfig(ctx context.Context, cfg *config.Config, sign bool, clk clock.Clock, rand io.Reader, log *slog.Logger) (*Store, error) {
	dir := cfg.Path(cfg.Paths.StateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: state folder: %w", err)
	}
	key, err := LoadKey(cfg.StatePath(cfg.Store.Key))
	if err != nil {
		return nil, err
	}
	o := Options{Path: cfg.StatePath(cfg.Store.DB), Key: key, DeviceID: cfg.Device.ID, Retention: cfg.Store.Retention.D(),
		Clock: clk, Rand: rand, Log: log}
	if sign {
		if cfg.Device.ID == "" {
			return nil, fmt.Errorf("store: no device id in %s [device] (run kioskctl provision)", cfg.File)
		}
		if o.DeviceKey, err = record.ReadKey(cfg.StatePath(cfg.Sync.DeviceKey)); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	return Open(ctx, o)
}
