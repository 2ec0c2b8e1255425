// Package progress reports ingest progress: a one-line bar with blocks/s,
// tx/s and an ETA when stderr is a terminal, structured log lines otherwise.
package progress
