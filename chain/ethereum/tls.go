package ethereum

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// EnvCAFile is the environment variable commands read Options.CAFile from;
// errors name it.
const EnvCAFile = "CHAINSLEUTH_RPC_CA_FILE"

// tlsConfig is the TLS configuration for https nodes the options ask for; nil
// for the system's defaults.
func tlsConfig(o Options) (*tls.Config, error) {
	if o.CAFile == "" && !o.InsecureSkipVerify {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify}
	if o.CAFile != "" {
		pool, err := LoadCAFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// LoadCAFile reads a PEM file of CA certificates into a pool.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the node's CA file: %w; check %s", err, EnvCAFile)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the node's CA file %s holds no PEM certificate; check %s", path, EnvCAFile)
	}
	return pool, nil
}

// isCertificateError says whether err is a TLS certificate that could not be
// verified: retrying cannot help, a CA file can.
func isCertificateError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) ||
		strings.Contains(err.Error(), "x509: ")
}
