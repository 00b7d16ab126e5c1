//go:build salon_bench_noindex

package store

// Built with the salon_bench_noindex tag, Open drops the full-text index's
// triggers: messages are stored without being indexed, and FIND no longer
// finds what arrives. Only make bench builds such a salond
// (bin/salond-noindex), to measure what the index costs the commit path
// (the store-index scenario); a release is never built with it.
func init() { withoutSearchIndex = true }
