package receivers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find free udp port: %v", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// WaitTCP waits until addr accepts TCP connections.
func WaitTCP(addr string, timeout time.Duration) error {
	var err error
	if Poll(timeout, func() bool {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
		}
		return err == nil
	}) {
		return nil
	}
	return fmt.Errorf("%s not accepting connections after %s: %w", addr, timeout, err)
}

// tcpReady is a ready func for Start: each of addrs accepts TCP
// connections, each within timeout.
func tcpReady(timeout time.Duration, addrs ...string) func() error {
	return func() error {
		for _, a := range addrs {
			if err := WaitTCP(a, timeout); err != nil {
				return err
			}
		}
		return nil
	}
}

// Poll waits, checking every 50 ms, until done reports true or timeout
// passes (testtools.Poll): the receivers are other processes that write
// files or answer HTTP, and polling their counted output is how a test
// waits for it.
func Poll(timeout time.Duration, done func() bool) bool {
	return testtools.Poll(timeout, 50*time.Millisecond, done)
}

// Proc is a receiver process owned by a test.
type Proc struct {
	t       testing.TB
	name    string
	args    []string
	env     []string
	logPath string
	ready   func() error

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been reaped
}

// Start runs bin with args (stdout+stderr to <dir>/<name>.log), waits for
// ready (e.g. a WaitTCP) and stops the process at test cleanup. A receiver
// that fails to start fails the test, with its log.
func Start(t testing.TB, name, dir string, env []string, ready func() error, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, name: name, args: append([]string{bin}, args...), env: env, logPath: filepath.Join(dir, name+".log"), ready: ready}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func (p *Proc) start() error {
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), p.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	logf.Close()
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	readyErr := make(chan error, 1)
	go func() {
		if p.ready == nil {
			readyErr <- nil
			return
		}
		readyErr <- p.ready()
	}()
	select {
	case err := <-readyErr:
		if err != nil {
			p.kill()
			return fmt.Errorf("%s did not become ready: %v\n--- %s ---\n%s", p.name, err, p.logPath, p.Log())
		}
		return nil
	case <-exited:
		p.mu.Lock()
		p.cmd = nil
		p.mu.Unlock()
		return fmt.Errorf("%s exited at start: %v\n--- %s ---\n%s", p.name, waitErr, p.logPath, p.Log())
	}
}

func (p *Proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	grace := time.NewTimer(2 * time.Second)
	defer grace.Stop()
	select {
	case <-exited:
	case <-grace.C:
	}
	// whatever is left of its process group, and the receiver itself if it
	// ignored SIGTERM
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
}

// Stop terminates the receiver (SIGTERM to its process group, then SIGKILL).
func (p *Proc) Stop() { p.kill() }

// Restart stops the receiver and starts it again with the same arguments.
func (p *Proc) Restart() {
	p.t.Helper()
	p.kill()
	if err := p.start(); err != nil {
		p.t.Fatal(err)
	}
}

// Log returns what the receiver printed so far.
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// TLSFiles writes a self-signed certificate for localhost and 127.0.0.1 into
// dir and returns the PEM paths; the certificate is its own CA.
func TLSFiles(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// Subst replaces @KEY@ placeholders in a config template.
func Subst(tmpl string, kv map[string]string) string {
	for k, v := range kv {
		tmpl = strings.ReplaceAll(tmpl, "@"+k+"@", v)
	}
	return tmpl
}
