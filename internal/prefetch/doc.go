// Package prefetch asks the CPU to start loading memory into cache without
// waiting for it, so that the misses of the next few lookups in a large
// table overlap the work on these. It is a hint: an address that is not
// mapped is harmless, and off amd64 it does nothing.
package prefetch
