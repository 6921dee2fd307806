// Package buildinfo carries the version the binaries were built as
// (set by the Makefile with -ldflags -X).
package buildinfo

// Version is `git describe` at build time, or "dev".
var Version = "dev"
