package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// simClient is a client for sim, sending apiVersion ("" for the default).
func simClient(t *testing.T, sim *ghsim.Sim, base, apiVersion string) *Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	cl, err := New(Options{BaseURL: base, Token: "t", APIVersion: apiVersion, Transport: toServer{u}})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func listAll(t *testing.T, cl *Client, src exporter.Source) ([]exporter.Observation, error) {
	t.Helper()
	var got []exporter.Observation
	_, err := cl.ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: "acme"}, Source: src},
		func(page []exporter.Observation) error { got = append(got, page...); return nil })
	return got, err
}

// Every request carries the configured version, and a Dependabot alert
// reads the same under 2022-11-28 (cvss and cvss_severities) as under
// 2026-03-10 (cvss_severities only).
func TestAPIVersion_SentAndBothShapesRead(t *testing.T) {
	var lists [][]exporter.Observation
	for _, v := range []string{"", DefaultAPIVersion, "2026-03-10"} {
		sim := ghsim.New(ghsim.Options{Product: "ghec", Token: "t"})
		sim.CreateAlert(ghsim.Dependabot, "acme/app", ghsim.AlertSpec{Severity: "high"})
		cl := simClient(t, sim, "https://api.github.com/", v)
		got, err := listAll(t, cl, exporter.SourceDependabot)
		if err != nil || len(got) != 1 {
			t.Fatalf("version %q: %v, %d alerts", v, err, len(got))
		}
		want := v
		if want == "" {
			want = DefaultAPIVersion
		}
		for _, r := range sim.Requests() {
			if h := r.Header.Get(HeaderAPIVersion); h != want {
				t.Errorf("version %q: %s sent %s %q", v, r.Path, HeaderAPIVersion, h)
			}
		}
		if o := got[0]; o.CVSSv3.Score != 7.5 || !strings.HasPrefix(o.CVSSv3.Vector, "CVSS:3.1/") ||
			o.CVSSv4.Score != 7.5 || !strings.HasPrefix(o.CVSSv4.Vector, "CVSS:4.0/") {
			t.Errorf("version %q: cvss v3 %+v v4 %+v", v, o.CVSSv3, o.CVSSv4)
		}
		lists = append(lists, got)
	}
	if !reflect.DeepEqual(lists[0], lists[2]) {
		t.Errorf("2022-11-28 and 2026-03-10 read differently:\n%+v\n%+v", lists[0], lists[2])
	}
}

// The v3 score comes from cvss_severities, else from the older cvss; an
// empty or malformed cvss_severities (or score) is dropped, never refusing
// the alert.
func TestDecodeAlert_CVSSShapes(t *testing.T) {
	const head = `{"number":1,"state":"open","created_at":"2026-01-05T08:00:00Z","repository":{"full_name":"acme/app"},"security_advisory":{"ghsa_id":"GHSA-1"`
	v3 := exporter.CVSS{Score: 9.8, Vector: "CVSS:3.1/AV:N"}
	for _, tt := range []struct {
		name, advisory string
		v3, v4         exporter.CVSS
	}{
		{"2022-11-28 cvss only", `,"cvss":{"score":9.8,"vector_string":"CVSS:3.1/AV:N"}`, v3, exporter.CVSS{}},
		{"2026-03-10", `,"cvss_severities":{"cvss_v3":{"score":9.8,"vector_string":"CVSS:3.1/AV:N"},"cvss_v4":{"score":9.3,"vector_string":"CVSS:4.0/AV:N"}}`,
			v3, exporter.CVSS{Score: 9.3, Vector: "CVSS:4.0/AV:N"}},
		{"empty v3 falls back to cvss", `,"cvss":{"score":9.8,"vector_string":"CVSS:3.1/AV:N"},"cvss_severities":{"cvss_v3":{"score":0,"vector_string":null},"cvss_v4":null}`,
			v3, exporter.CVSS{}},
		{"malformed severities dropped", `,"cvss":{"score":9.8,"vector_string":"CVSS:3.1/AV:N"},"cvss_severities":"high"`, v3, exporter.CVSS{}},
		{"score out of range dropped", `,"cvss_severities":{"cvss_v3":{"score":11,"vector_string":"x"},"cvss_v4":{"score":9.34,"vector_string":"y"}}`,
			exporter.CVSS{}, exporter.CVSS{Score: 9.3, Vector: "y"}},
		{"none", ``, exporter.CVSS{}, exporter.CVSS{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := decodeAlert(exporter.SourceDependabot, json.RawMessage(head+tt.advisory+`}}`), Scope{Kind: ScopeOrg, Name: "acme"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if o.CVSSv3 != tt.v3 || o.CVSSv4 != tt.v4 || o.GHSAID != "GHSA-1" {
				t.Fatalf("v3 %+v v4 %+v ghsa %q; want %+v %+v", o.CVSSv3, o.CVSSv4, o.GHSAID, tt.v3, tt.v4)
			}
		})
	}
}

// GitHub's 400 for a version it does not serve names the version sent and
// the setting that chose it.
func TestAPIVersion_RefusalNamesVersionAndSetting(t *testing.T) {
	sim := ghsim.New(ghsim.Options{Product: "ghes", Token: "t"}) // GHES 3.19
	cl := simClient(t, sim, "https://ghe.example.com/api/v3/", "2026-03-10")
	_, err := listAll(t, cl, exporter.SourceDependabot)
	if !errors.Is(err, ErrAPIVersion) || StatusOf(err) != 400 {
		t.Fatalf("got %v; want ErrAPIVersion and status 400", err)
	}
	t.Log(err)
	for _, want := range []string{`REST API version not served: this GitHub does not serve "2026-03-10", the version github.api_version sets`, "2022-11-28", "is not a supported version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

// 2026-03-10 is refused before any request for GHES before 3.21, naming
// both versions; everything else passes.
func TestClient_CheckAPIVersion(t *testing.T) {
	for _, tt := range []struct {
		version, product, ghes string
		ok                     bool
	}{
		{"2026-03-10", ProductGHES, "3.19", false},
		{"2026-03-10", ProductGHES, "3.9", false},
		{"2026-03-10", ProductGHES, "3.21", true},
		{"2026-03-10", ProductGHES, "3.22", true},
		{"2026-03-10", ProductGHES, "", true}, // unknown: GitHub's answer decides
		{"2026-03-10", ProductDotcom, "", true},
		{"2026-03-10", ProductGHEC, "", true},
		{"", ProductGHES, "3.15", true},
	} {
		cl, err := New(Options{BaseURL: "https://ghe.example.com/api/v3/", APIVersion: tt.version})
		if err != nil {
			t.Fatal(err)
		}
		cl.SetProduct(tt.product, tt.ghes)
		err = cl.CheckAPIVersion()
		if (err == nil) != tt.ok {
			t.Errorf("%s on %s %s: %v", tt.version, tt.product, tt.ghes, err)
		}
		if err != nil && (!errors.Is(err, ErrAPIVersion) || !strings.Contains(err.Error(), "GHES "+tt.ghes+" does not serve REST API version 2026-03-10 (github.api_version), which GHES has from 3.21")) {
			t.Errorf("%s on %s %s: %v", tt.version, tt.product, tt.ghes, err)
		}
	}
}
