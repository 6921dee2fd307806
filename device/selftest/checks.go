package selftest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hbzk/kiosk/device/face"
)

// DiskLimits are the least free space the state folder's file system may
// have: below either the check fails.
type DiskLimits struct {
	MinFreeBytes   uint64
	MinFreePercent float64
}

// DefaultDiskLimits: 500 MB and 5 %.
var DefaultDiskLimits = DiskLimits{MinFreeBytes: 500 << 20, MinFreePercent: 5}

// DiskUsage is a file system's size and the space free to an unprivileged
// user.
type DiskUsage struct {
	Total, Free uint64
}

// ErrNoDiskInfo is returned by Statfs where the platform has none.
var ErrNoDiskInfo = errors.New("selftest: disk space unknown on this platform")

// DiskSpace checks the free space of the file system holding dir (or its
// nearest existing parent, when the state folder is not made yet).
func DiskSpace(dir string, lim DiskLimits) Check {
	const name = "disk space"
	p := dir
	for {
		if _, err := os.Stat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	u, err := Statfs(p)
	if err != nil {
		return Fail(name, fmt.Sprintf("%s: %v", dir, err), "check that the state folder's disk is mounted")
	}
	return diskCheck(dir, u, lim)
}

func diskCheck(dir string, u DiskUsage, lim DiskLimits) Check {
	const name = "disk space"
	if u.Total == 0 {
		return Fail(name, fmt.Sprintf("%s: the file system reports size 0", dir), "check that the state folder's disk is mounted")
	}
	pct := 100 * float64(u.Free) / float64(u.Total)
	value := fmt.Sprintf("%s free of %s (%.1f%%) at %s", Bytes(u.Free), Bytes(u.Total), pct, dir)
	if u.Free < lim.MinFreeBytes || pct < lim.MinFreePercent {
		return Fail(name, value+fmt.Sprintf("; want at least %s and %.0f%%", Bytes(lim.MinFreeBytes), lim.MinFreePercent),
			"free space: sync the records to central (kioskctl sync now) so they can be purged, remove old logs and screens, or fit a larger disk")
	}
	return Pass(name, value)
}

// Bytes formats a byte count for people: "1.5 GB", "312 MB", "12 kB".
func Bytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTP"[exp])
}

// Earliest is the earliest sane wall-clock time: no kiosk software was
// built before it.
var Earliest = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxAhead is how far past the build time (or Earliest) the clock may be
// before it is taken to be wrong.
const MaxAhead = 10 * 365 * 24 * time.Hour

// ClockSanity checks that now is not before the build time (nor
// Earliest), and not more than MaxAhead after it. built may be zero.
func ClockSanity(now, built time.Time) Check {
	const name = "clock"
	floor := Earliest
	if built.After(floor) {
		floor = built
	}
	value := now.UTC().Format(time.RFC3339)
	remedy := "set the clock: enable NTP (timedatectl set-ntp true) and check the network, or replace the RTC battery"
	switch {
	case now.Before(floor):
		return Fail(name, fmt.Sprintf("%s is before %s (the software's build)", value, floor.UTC().Format(time.RFC3339)), remedy)
	case now.After(floor.Add(MaxAhead)):
		return Fail(name, fmt.Sprintf("%s is more than %d years after %s", value, int(MaxAhead.Hours()/24/365), floor.UTC().Format("2006-01-02")), remedy)
	}
	return Pass(name, value)
}

// Models checks every model file of the face manifest at path: present,
// an ONNX model, the sha256 the manifest pins (face.Manifest.Read). The
// engine's roles (detect, landmark, embed) must be named. One check per
// model, in role order.
func Models(path string) []Check {
	const name = "models"
	man, err := face.LoadManifest(path)
	if err != nil {
		return []Check{Fail(name+" manifest", err.Error(), "run `make deps` (development) or reinstall the kiosk package, or set [paths] models in kiosk.toml")}
	}
	var out []Check
	for _, role := range face.EngineRoles {
		if _, ok := man.Models[role]; !ok {
			out = append(out, Fail("model "+role, "not in the manifest "+path, "add [models."+role+"] to the manifest, or reinstall the kiosk package"))
		}
	}
	roles := make([]string, 0, len(man.Models))
	for r := range man.Models {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, role := range roles {
		data, mod, err := man.Read(role)
		if err != nil {
			remedy := "run `make deps` (development) or reinstall the kiosk package to restore the model file"
			out = append(out, Fail("model "+role, err.Error(), remedy))
			continue
		}
		out = append(out, Pass("model "+role, fmt.Sprintf("%s, %s, sha256 %s… ok", mod.File, Bytes(uint64(len(data))), mod.SHA256[:12])))
	}
	return out
}
