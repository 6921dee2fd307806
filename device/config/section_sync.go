package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"
)

// StoreConfig is the local record store (package store).
type StoreConfig struct {
	// DB is the SQLite file, relative to the state folder.
	DB string `toml:"db" comment:"SQLite database, relative to paths.state_dir"`
	// Key is the at-rest encryption key file (0600, created by kioskctl
	// provision), relative to the state folder.
	Key       string   `toml:"key" comment:"at-rest encryption key (0600, made by kioskctl provision), relative to paths.state_dir"`
	Retention Duration `toml:"retention" comment:"personal data kept this long after central acknowledges a record"`
}

func (c *StoreConfig) defaults(Profile) {
	c.DB = "kiosk.db"
	c.Key = "store.key"
	c.Retention = Duration(7 * 24 * time.Hour)
}

func (c *StoreConfig) validate(add func(key, msg string)) {
	if c.DB == "" {
		add("db", "must not be empty")
	}
	if c.Key == "" {
		add("key", "must not be empty")
	}
	if c.Retention.D() < 0 {
		add("retention", "must not be negative")
	}
}

// SyncConfig is the link to central (package syncclient).
type SyncConfig struct {
	Central  string   `toml:"central" comment:"central endpoint URL (https://...), written by kioskctl provision; empty = offline"`
	Interval Duration `toml:"interval" comment:"how often the outbox is drained and the roster pulled"`
	Batch    int      `toml:"batch" comment:"records per upload"`
	// MinBackoff and MaxBackoff bound the wait after a failed sync.
	MinBackoff Duration `toml:"min_backoff" comment:"first wait after a failed sync (doubles, jittered)"`
	MaxBackoff Duration `toml:"max_backoff" comment:"longest wait after failed syncs"`
	// DeviceKey, Cert and CA are written by kioskctl provision, relative
	// to the state folder.
	DeviceKey string `toml:"device_key" comment:"device signing and TLS key (ed25519, 0600), relative to paths.state_dir"`
	Cert      string `toml:"cert" comment:"device certificate from central, relative to paths.state_dir"`
	CA        string `toml:"ca" comment:"central's CA certificate, relative to paths.state_dir"`
}

func (c *SyncConfig) defaults(Profile) {
	c.Interval = Duration(30 * time.Second)
	c.Batch = 20
	c.MinBackoff = Duration(time.Second)
	c.MaxBackoff = Duration(5 * time.Minute)
	c.DeviceKey = "device.key"
	c.Cert = "device.pem"
	c.CA = "central-ca.pem"
}

func (c *SyncConfig) validate(add func(key, msg string)) {
	if c.Central != "" {
		u, err := url.Parse(c.Central)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			add("central", fmt.Sprintf("%q: want an https:// URL", c.Central))
		}
	}
	if c.Interval.D() < time.Second {
		add("interval", "want at least 1s")
	}
	if c.Batch < 1 || c.Batch > 500 {
		add("batch", fmt.Sprintf("%d: want 1..500", c.Batch))
	}
	if c.MinBackoff.D() < 10*time.Millisecond {
		add("min_backoff", "want at least 10ms")
	}
	if c.MaxBackoff.D() < c.MinBackoff.D() {
		add("max_backoff", "want at least min_backoff")
	}
	for k, v := range map[string]string{"device_key": c.DeviceKey, "cert": c.Cert, "ca": c.CA} {
		if v == "" {
			add(k, "must not be empty")
		}
	}
}

// StatePath resolves a path of the [store] or [sync] sections: relative
// paths are in the state folder (itself relative to the config's folder).
func (c *Config) StatePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Path(c.Paths.StateDir), p)
}
