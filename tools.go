//go:build tools

// Package kiosk pins, through this file, the third-party modules the project
// builds on, so that go.mod lists their checked versions (see DESIGN.md)
// before every package that imports them exists. It is never compiled.
package kiosk

import (
	_ "github.com/ebitengine/purego"
	_ "github.com/fxamacker/cbor/v2"
	_ "github.com/go-gl/gl/v3.3-core/gl"
	_ "github.com/go-gl/glfw/v3.3/glfw"
	_ "github.com/google/uuid"
	_ "github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/pelletier/go-toml/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "go.bug.st/serial"
	_ "gocv.io/x/gocv"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "golang.org/x/image/font/opentype"
	_ "modernc.org/sqlite"
	_ "periph.io/x/conn/v3/gpio"
	_ "periph.io/x/host/v3"
)
