// Package web holds the browser client. Its sources are TypeScript beside
// this file; the bundle esbuild builds from them is committed in dist, so
// that building salond needs no Node.js, and embedded here.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Assets is the built page: index.html and its content-hashed scripts and
// styles, at the root.
var Assets fs.FS = mustSub(dist, "dist")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dist is a fixed, valid name: only a broken build gets here
	}
	return sub
}
