// Package regtest drives a real regtest btcd for tests and benchmarks: a node
// started by testenv, a deterministic wallet that mines to itself, and
// helpers that fill blocks with realistic payments (multi-input spends from
// several address types, change, OP_RETURN).
package regtest
