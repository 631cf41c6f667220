package ghsim

import (
	"encoding/json"
	"slices"
	"testing"
)

// As on GitHub, a secret scanning list holds the default (provider)
// patterns; a generic pattern is listed only when secret_type names it, at
// every scope, and the link to the next page keeps the parameter.
func TestList_GenericSecretTypesOnlyWhenNamed(t *testing.T) {
	s := New(Options{Product: ProductGHEC})
	s.AddEnterprise("bigcorp", "acme")
	s.AddRepo("acme/widgets")
	s.CreateAlert(SecretScanning, "acme/widgets", AlertSpec{SecretType: "github_personal_access_token"})
	s.CreateAlert(SecretScanning, "acme/widgets", AlertSpec{SecretType: "password"})
	s.CreateAlert(SecretScanning, "acme/widgets", AlertSpec{SecretType: "rsa_private_key"})
	srv := start(t, s)
	numbers := func(target string) []int {
		t.Helper()
		g := get(t, srv, target)
		if g.status != 200 {
			t.Fatalf("%s: %d %s", target, g.status, g.body)
		}
		var items []item
		if err := json.Unmarshal(g.body, &items); err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, it := range items {
			out = append(out, it.Number)
		}
		slices.Sort(out)
		return out
	}
	for _, list := range []string{"/repos/acme/widgets", "/orgs/acme", "/enterprises/bigcorp"} {
		list += "/secret-scanning/alerts"
		for q, want := range map[string][]int{
			"":                                      {1},
			"?secret_type=password":                 {2},
			"?secret_type=password,rsa_private_key": {2, 3},
			"?secret_type=github_personal_access_token,rsa_private_key": {1, 3},
			"?exclude_secret_types=aws_access_key_id":                   {1},
			"?exclude_secret_types=github_personal_access_token":        nil,
		} {
			if got := numbers(list + q); !slices.Equal(got, want) {
				t.Errorf("%s%s: alerts %v, want %v", list, q, got, want)
			}
		}
	}
	g := get(t, srv, "/orgs/acme/secret-scanning/alerts?per_page=1&secret_type=password,rsa_private_key")
	if next := links(g.header)["next"]; next == "" || !slices.Equal(numbers(next), []int{2}) && !slices.Equal(numbers(next), []int{3}) {
		t.Fatalf("next page %q does not keep secret_type", next)
	}
	if g := get(t, srv, "/orgs/acme/secret-scanning/alerts?secret_type=password&exclude_secret_types=x"); g.status != 422 {
		t.Fatalf("secret_type with exclude_secret_types: %d, want 422", g.status)
	}
}
