// Package browsertest holds Salon's browser tests: real Chromium pages,
// driven by playwright-core from Node scripts beside this file, against a
// real salond serving its web client, with the Go client library standing
// in for a user of the terminal client. The package has no code of its own
// outside the tests; docs/web.md ("Browser tests") says how it works.
package browsertest
