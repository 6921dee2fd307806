package config

import (
	"fmt"
	"net/url"
	"time"
)

// StoreConfig is the local record store.
type StoreConfig struct {
	// DB is the SQLite file, relative to the state folder.
	DB        string   `toml:"db" comment:"SQLite database, relative to paths.state_dir"`
	Retention Duration `toml:"retention" comment:"personal data kept this long after central acknowledges a record"`
}

func (c *StoreConfig) defaults(Profile) {
	c.DB = "kiosk.db"
	c.Retention = Duration(7 * 24 * time.Hour)
}

func (c *StoreConfig) validate(add func(key, msg string)) {
	if c.DB == "" {
		add("db", "must not be empty")
	}
	if c.Retention.D() < 0 {
		add("retention", "must not be negative")
	}
}

// SyncConfig is the link to central.
type SyncConfig struct {
	Central  string   `toml:"central" comment:"central endpoint URL (https://...); empty = offline"`
	Interval Duration `toml:"interval" comment:"how often the outbox is drained and the roster pulled"`
	Batch    int      `toml:"batch" comment:"records per upload"`
}

func (c *SyncConfig) defaults(Profile) {
	c.Interval = Duration(30 * time.Second)
	c.Batch = 20
}

func (c *SyncConfig) validate(add func(key, msg string)) {
	if c.Central != "" {
		u, err := url.Parse(c.Central)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("central", fmt.Sprintf("%q: want an https:// URL", c.Central))
		}
	}
	if c.Interval.D() < time.Second {
		add("interval", "want at least 1s")
	}
	if c.Batch < 1 || c.Batch > 1000 {
		add("batch", fmt.Sprintf("%d: want 1..1000", c.Batch))
	}
}
