package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// poolOf is a pool holding exactly the certificates of the PEM file.
func poolOf(t *testing.T, path string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AddCert(cert)
	return p
}

func TestClient(t *testing.T) {
	dir := t.TempDir()
	cert, key := receivers.TLSFiles(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name    string
		opts    Options
		roots   *x509.CertPool // nil: the system roots
		certs   int
		wantErr string
		is      error
	}{
		{name: "defaults", opts: Options{}},
		{name: "ca_file replaces the system roots", opts: Options{CAFile: cert}, roots: poolOf(t, cert)},
		{name: "client certificate", opts: Options{CertFile: cert, KeyFile: key}, certs: 1},
		{name: "server name and insecure pass through", opts: Options{ServerName: "logs.example", InsecureSkipVerify: true}},
		{name: "missing ca_file", opts: Options{CAFile: missing}, wantErr: `ca_file: cannot read: no such file or directory (got "` + missing, is: config.ErrUnreadable},
		{name: "ca_file without PEM", opts: Options{CAFile: notPEM}, wantErr: `ca_file: no PEM certificate found (got "` + notPEM, is: config.ErrUnreadable},
		{name: "cert_file without key_file", opts: Options{CertFile: cert}, wantErr: "cert_file: cert_file and key_file go together", is: config.ErrInvalid},
		{name: "key_file without cert_file", opts: Options{KeyFile: key}, wantErr: "cert_file and key_file go together", is: config.ErrInvalid},
		{name: "key that is no key", opts: Options{CertFile: cert, KeyFile: notPEM}, wantErr: "key_file: not a PEM certificate and private key pair with cert_file", is: config.ErrUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := Client(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Client(%+v) error = %v, want one containing %q", tt.opts, err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Fatalf("Client error %v is not %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatalf("Client(%+v): %v", tt.opts, err)
			}
			if tc.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion = %x, want TLS 1.2", tc.MinVersion)
			}
			if tc.ServerName != tt.opts.ServerName || tc.InsecureSkipVerify != tt.opts.InsecureSkipVerify {
				t.Errorf("ServerName, InsecureSkipVerify = %q, %v; want %q, %v", tc.ServerName, tc.InsecureSkipVerify, tt.opts.ServerName, tt.opts.InsecureSkipVerify)
			}
			switch {
			case tt.roots == nil && tc.RootCAs != nil:
				t.Errorf("RootCAs set without ca_file; want nil (the system roots)")
			case tt.roots != nil && !tt.roots.Equal(tc.RootCAs):
				t.Errorf("RootCAs is not exactly the ca_file's CA")
			}
			if len(tc.Certificates) != tt.certs {
				t.Errorf("%d client certificates, want %d", len(tc.Certificates), tt.certs)
			}
		})
	}
}

// TestClient_Handshake checks the config against a real handshake: the CA
// in ca_file is trusted, another CA is not, and the client certificate is
// presented.
func TestClient_Handshake(t *testing.T) {
	srvCert, srvKey := receivers.TLSFiles(t, t.TempDir())
	otherCA, _ := receivers.TLSFiles(t, t.TempDir())
	pair, err := tls.LoadX509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   Options
		wantOK bool
	}{
		{"trusted ca_file", Options{CAFile: srvCert, ServerName: "localhost"}, true},
		{"mutual TLS", Options{CAFile: srvCert, ServerName: "localhost", CertFile: srvCert, KeyFile: srvKey}, true},
		{"another CA", Options{CAFile: otherCA, ServerName: "localhost"}, false},
		{"wrong server name", Options{CAFile: srvCert, ServerName: "logs.example"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := Client(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			peerCerts := make(chan int, 1)
			go func() {
				sc, err := l.Accept()
				if err != nil {
					peerCerts <- -1
					return
				}
				defer sc.Close()
				srv := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequestClientCert})
				_ = srv.Handshake()
				peerCerts <- len(srv.ConnectionState().PeerCertificates)
			}()
			cc, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			err = tls.Client(cc, tc).Handshake()
			cc.Close() // a failed client handshake leaves the server waiting
			got := <-peerCerts
			if (err == nil) != tt.wantOK {
				t.Fatalf("handshake error = %v, want success %v", err, tt.wantOK)
			}
			if tt.wantOK && got != len(tc.Certificates) {
				t.Errorf("server saw %d client certificates, want %d", got, len(tc.Certificates))
			}
		})
	}
}
