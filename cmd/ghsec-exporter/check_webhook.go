package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// checkWebhook checks the webhook receiver the config asks for: its secret
// and TLS pair were read (the resolve step refuses a config whose are not),
// its address can be bound (or, when it is taken, a receiver there refuses
// an unsigned delivery as ours does), and every hook the redelivery job
// reads lists its deliveries.
func checkWebhook(ctx context.Context, cfg *config.Config, secrets *config.Secrets, gh *ghapi.Client) []checkRow {
	w := cfg.Webhook
	if w == nil {
		return nil
	}
	const target = "webhook"
	var rows []checkRow
	rows = append(rows, checkRow{target, "secret", "ok: set", ""})
	scheme := "http"
	if secrets.WebhookCert != nil {
		scheme = "https"
		rows = append(rows, checkRow{target, "tls", "ok: certificate and key load", ""})
	}
	rows = append(rows, checkListen(ctx, scheme, w.Listen, w.Path))
	if r := w.Redelivery; r != nil {
		since := time.Now().Add(-r.Window.D())
		for _, h := range daemon.RedeliveryHooks(r) {
			ds, err := gh.ListHookDeliveries(ctx, h, since)
			if err != nil {
				rows = append(rows, checkRow{target, h.String(), "error: " + err.Error(),
					fmt.Sprintf("check that %s exists and that the credential may read its deliveries (org/repo hooks: admin:org_hook or the repository's webhooks permission; the App hook: github.app)", h)})
				continue
			}
			rows = append(rows, checkRow{target, h.String(), fmt.Sprintf("works: %d deliveries in the redelivery window", len(ds)), ""})
		}
	}
	return rows
}

// checkListen binds the receiver's address and lets it go. An address in
// use is fine when what answers there is a receiver that refuses an
// unsigned delivery with 401 (the running daemon's).
func checkListen(ctx context.Context, scheme, addr, path string) checkRow {
	const target, check = "webhook", "listen"
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		_ = ln.Close()
		return checkRow{target, check, "ok: " + addr + " can be bound", ""}
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return checkRow{target, check, "error: " + err.Error(), "set webhook.listen to an address this host can bind"}
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	url := scheme + "://" + net.JoinHostPort(host, port) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		return checkRow{target, check, "error: " + err.Error(), "set webhook.listen to host:port"}
	}
	req.Header.Set("X-GitHub-Event", "ping")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		// only to see who answers on our own address; nothing is sent but an unsigned ping
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	resp, err := client.Do(req)
	if err != nil {
		return checkRow{target, check, "error: " + addr + " is in use and does not answer HTTP: " + err.Error(), "free " + addr + " or set webhook.listen to another address"}
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return checkRow{target, check, "ok: in use by a receiver that refuses unsigned deliveries (the running daemon)", ""}
	}
	return checkRow{target, check, fmt.Sprintf("error: %s is in use by something that answered %d to an unsigned delivery", addr, resp.StatusCode),
		"free " + addr + " or set webhook.listen to another address"}
}
