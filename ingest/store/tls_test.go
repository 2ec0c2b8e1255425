package store_test

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// A TLS server with a private CA is trusted through ca_file, refused with
// the system's CAs, and accepted unverified with skip_verify; a missing or
// empty CA file and an unknown setting are errors that say what to check.
func TestClickHouseTLSTrustsTheCAFileOfTheAddress(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := srv.Listener.Addr().String()
	handshake := func(query string) error {
		t.Helper()
		d, err := store.ParseDSN("clickhouse://u:s3cret@" + addr + "/db?" + query)
		if err != nil {
			return err
		}
		conf, err := d.TLSConfig()
		if err != nil {
			return err
		}
		if conf == nil {
			t.Fatalf("%s: no TLS", query)
		}
		conn, err := tls.Dial("tcp", addr, conf)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	if err := handshake("ca_file=" + url.QueryEscape(ca)); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	if err := handshake("secure=true"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("with the system's CAs: %v, want an unknown authority", err)
	}
	if err := handshake("secure=true&skip_verify=true"); err != nil {
		t.Errorf("with skip_verify: %v", err)
	}
	for query, want := range map[string]string{
		"ca_file=" + url.QueryEscape(filepath.Join(dir, "none.pem")): "read the ClickHouse CA file",
		"ca_file=" + url.QueryEscape(empty):                          "holds no PEM certificate",
		"secure=true&tls_ca=x":                                       `unknown setting "tls_ca"`,
	} {
		err := handshake(query)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want %q (and no password)", query, err, want)
		}
	}
	if d, err := store.ParseDSN("clickhouse://" + addr + "/db"); err != nil {
		t.Fatal(err)
	} else if conf, err := d.TLSConfig(); conf != nil || err != nil {
		t.Errorf("a plain address has TLS %v, %v", conf, err)
	}
}
