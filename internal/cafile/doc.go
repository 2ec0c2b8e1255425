// Package cafile reads PEM files of CA certificates, for the TLS settings that name a private CA: the
// nodes' --rpc-ca-file (both chains) and ClickHouse's ca_file.
package cafile
