package cafile

import (
	"crypto/x509"
	"fmt"
	"os"
)

// Read reads the PEM file at path into a pool and also returns its bytes. what names the file in errors
// ("the node's CA file") and hint says what to check ("check CHAINSLEUTH_RPC_CA_FILE").
func Read(path, what, hint string) (*x509.CertPool, []byte, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w; %s", what, err, hint)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("%s %s holds no PEM certificate; %s", what, path, hint)
	}
	return pool, pem, nil
}
