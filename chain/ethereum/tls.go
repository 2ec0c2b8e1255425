package ethereum

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/chainsleuth/chainsleuth/internal/cafile"
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
		pool, _, err := cafile.Read(o.CAFile, "the node's CA file", "check "+EnvCAFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
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
