package store

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/chainsleuth/chainsleuth/internal/cafile"
)

// DefaultDSN is used when neither --clickhouse nor CHAINSLEUTH_CLICKHOUSE is set.
const DefaultDSN = "clickhouse://127.0.0.1:9000/chainsleuth"

// DSN is a parsed ClickHouse address. Its String form never shows the password.
type DSN struct {
	Addr     string // host:port
	Database string
	User     string
	Password string
	Secure   bool // TLS
	// SkipVerify disables TLS certificate verification (self-signed servers).
	SkipVerify bool
	// CAFile is a PEM file of the CA certificates the server's certificate is
	// verified against instead of the system's (a private CA); it implies Secure.
	CAFile string
}

// ParseDSN reads
// clickhouse://[user[:password]@]host[:port][/database][?secure=true&skip_verify=true&ca_file=PATH].
func ParseDSN(raw string) (DSN, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return DSN{}, fmt.Errorf("parse ClickHouse address %q: %w (expected clickhouse://user:pass@host:9000/database)", redactURL(raw), err)
	}
	if u.Scheme != "clickhouse" && u.Scheme != "tcp" {
		return DSN{}, fmt.Errorf("ClickHouse address %s: scheme %q is not supported; use clickhouse://host:9000/database (native protocol)", redactURL(raw), u.Scheme)
	}
	if u.Host == "" {
		return DSN{}, fmt.Errorf("ClickHouse address %s has no host; use clickhouse://host:9000/database", redactURL(raw))
	}
	d := DSN{Addr: u.Host, Database: strings.Trim(u.Path, "/"), User: "default"}
	if u.Port() == "" {
		d.Addr = u.Host + ":9000"
	}
	if d.Database == "" {
		d.Database = "chainsleuth"
	}
	if !validIdent(d.Database) {
		return DSN{}, fmt.Errorf("ClickHouse database name %q: use letters, digits and underscores only", d.Database)
	}
	if u.User != nil {
		d.User = u.User.Username()
		d.Password, _ = u.User.Password()
	}
	q := u.Query()
	d.Secure = q.Get("secure") == "true" || q.Get("secure") == "1"
	d.SkipVerify = q.Get("skip_verify") == "true" || q.Get("skip_verify") == "1"
	d.CAFile = q.Get("ca_file")
	if d.CAFile != "" {
		d.Secure = true
	}
	for k := range q {
		switch k {
		case "secure", "skip_verify", "ca_file":
		default:
			return DSN{}, fmt.Errorf("ClickHouse address %s: unknown setting %q; the settings are secure, skip_verify and ca_file", redactURL(raw), k)
		}
	}
	return d, nil
}

// TLSConfig is the TLS configuration of a secure address (nil when it is not
// secure): the system's CAs, or those of CAFile, or no verification at all
// with SkipVerify.
func (d DSN) TLSConfig() (*tls.Config, error) {
	if !d.Secure {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: d.SkipVerify} //nolint:gosec // opt-in for self-signed servers
	if d.CAFile != "" {
		pool, _, err := cafile.Read(d.CAFile, "the ClickHouse CA file", "check ca_file in CHAINSLEUTH_CLICKHOUSE")
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// String is the address without the password, for logs and errors.
func (d DSN) String() string {
	s := "clickhouse://"
	if d.User != "" && d.User != "default" {
		s += d.User + "@"
	}
	return s + d.Addr + "/" + d.Database
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// redactURL drops any password from a URL-like string so it can be shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "***@" + raw[i+1:]
			}
			return "***@" + raw[i+1:]
		}
		return raw
	}
	return u.Redacted()
}
