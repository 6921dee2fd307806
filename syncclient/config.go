package syncclient

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/record"
)

// ErrOffline: kiosk.toml names no central ([sync] central is empty).
var ErrOffline = errors.New("syncclient: no central configured ([sync] central is empty; run kioskctl provision)")

// Options are what FromConfig cannot read from kiosk.toml.
type Options struct {
	Software string
	Health   func() map[string]string
	Clock    clock.Clock
	Rand     io.Reader
	Log      *slog.Logger
}

// FromConfig makes the client kiosk.toml describes: [sync] central, batch,
// interval, backoff, and the device key, certificate and CA under
// paths.state_dir.
func FromConfig(cfg *config.Config, ob Outbox, o Options) (*Client, error) {
	if cfg.Sync.Central == "" {
		return nil, ErrOffline
	}
	key, err := record.ReadKey(cfg.StatePath(cfg.Sync.DeviceKey))
	if err != nil {
		return nil, fmt.Errorf("syncclient: %w", err)
	}
	var now func() time.Time
	if o.Clock != nil {
		now = o.Clock.Now
	}
	tc, err := LoadTLS(cfg.StatePath(cfg.Sync.Cert), key, cfg.StatePath(cfg.Sync.CA), now)
	if err != nil {
		return nil, err
	}
	return New(Config{Central: cfg.Sync.Central, TLS: tc, Batch: cfg.Sync.Batch, Interval: cfg.Sync.Interval.D(),
		MinBackoff: cfg.Sync.MinBackoff.D(), MaxBackoff: cfg.Sync.MaxBackoff.D(), Software: o.Software, Health: o.Health,
		Clock: o.Clock, Rand: o.Rand, Log: o.Log, CertFile: cfg.StatePath(cfg.Sync.Cert)}, ob)
}
