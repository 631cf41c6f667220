package ghsim

import (
	"fmt"
	"strings"
)

// The catalog holds realistic alert material: fillSpec uses it for empty
// AlertSpec fields and Populate draws from it. Advisory ids are shaped like
// real ones but are not claims about real packages.

type depTemplate struct {
	eco, pkg, manifest, severity, summary string
}

var depCatalog = []depTemplate{
	{"npm", "lodash", "package-lock.json", "high", "Prototype Pollution in lodash"},
	{"npm", "minimist", "package-lock.json", "critical", "Prototype Pollution in minimist"},
	{"npm", "axios", "web/package-lock.json", "medium", "Server-Side Request Forgery in axios"},
	{"pip", "django", "requirements.txt", "high", "Django SQL injection in QuerySet.values()"},
	{"pip", "requests", "requirements.txt", "medium", "Requests leaks Proxy-Authorization header"},
	{"pip", "jinja2", "docs/requirements.txt", "low", "Jinja2 vulnerable to HTML attribute injection"},
	{"maven", "org.apache.logging.log4j:log4j-core", "pom.xml", "critical", "Remote code injection in Log4j"},
	{"maven", "com.fasterxml.jackson.core:jackson-databind", "service/pom.xml", "high", "Deserialization of untrusted data in jackson-databind"},
	{"go", "golang.org/x/net", "go.mod", "medium", "HTTP/2 rapid reset can cause excessive work in net/http"},
	{"go", "github.com/golang-jwt/jwt/v4", "go.mod", "low", "Improper verification of audience in jwt-go"},
	{"rubygems", "nokogiri", "Gemfile.lock", "high", "Nokogiri vulnerable to XML external entity injection"},
	{"nuget", "Newtonsoft.Json", "src/App/packages.lock.json", "high", "Improper handling of exceptional conditions in Newtonsoft.Json"},
	{"composer", "guzzlehttp/guzzle", "composer.lock", "medium", "Guzzle cross-domain cookie leakage"},
	{"rust", "openssl", "Cargo.lock", "critical", "openssl X.509 certificate verification bypass"},
}

type ruleTemplate struct {
	id, tool, ruleSeverity, securitySeverity, description, path string
}

var ruleCatalog = []ruleTemplate{
	{"js/zipslip", "CodeQL", "error", "high", "Arbitrary file write during zip extraction", "lib/extract.js"},
	{"js/sql-injection", "CodeQL", "error", "critical", "Database query built from user-controlled sources", "server/db.js"},
	{"js/xss", "CodeQL", "error", "medium", "Client-side cross-site scripting", "web/render.js"},
	{"py/path-injection", "CodeQL", "error", "high", "Uncontrolled data used in path expression", "app/files.py"},
	{"py/clear-text-logging-sensitive-data", "CodeQL", "error", "high", "Clear-text logging of sensitive information", "app/log.py"},
	{"go/incorrect-integer-conversion", "CodeQL", "error", "high", "Incorrect conversion between integer types", "internal/parse.go"},
	{"go/log-injection", "CodeQL", "error", "medium", "Log entries created from user input", "cmd/server/main.go"},
	{"java/ssrf", "CodeQL", "error", "critical", "Server-side request forgery", "src/main/java/Fetch.java"},
	{"js/unused-local-variable", "CodeQL", "note", "", "Unused variable, import, function or class", "web/util.js"},
	{"G404", "gosec", "warning", "low", "Use of weak random number generator", "internal/token.go"},
	{"python.lang.security.audit.eval-detected", "Semgrep", "warning", "medium", "Detected the use of eval()", "scripts/run.py"},
}

type secretTemplate struct {
	typ, display, prefix string
}

var secretCatalog = []secretTemplate{
	{"github_personal_access_token", "GitHub Personal Access Token", "ghp_"},
	{"aws_access_key_id", "Amazon AWS Access Key ID", "AKIA"},
	{"slack_api_token", "Slack API Token", "xoxb-"},
	{"stripe_api_key", "Stripe API Key", "sk_live_"},
	{"google_api_key", "Google API Key", "AIza"},
	{"azure_storage_account_key", "Azure Storage Account Access Key", ""},
	{"npm_access_token", "npm Access Token", "npm_"},
	{"mailchimp_api_key", "Mailchimp API Key", ""},
}

// GenericSecretTypes are the secret scanning patterns GitHub calls generic
// (non-provider patterns and Copilot's passwords): its alert lists return
// them only when secret_type names them ("To return generic patterns, pass
// the token name(s) in the parameter"), and so does the simulator. An
// alert created with one of these types is served only to such a list (and
// by its single-alert GET, its webhooks and audit events, as usual).
var GenericSecretTypes = map[string]bool{
	"password": true, "ec_private_key": true, "generic_private_key": true,
	"http_basic_authentication_header": true, "http_bearer_authentication_header": true,
	"mongodb_connection_string": true, "mysql_connection_string": true, "mysql_connection_url": true,
	"openssh_private_key": true, "pgp_private_key": true, "postgres_connection_string": true,
	"rsa_private_key": true,
}

var validities = []string{"active", "inactive", "unknown"}

// fillSpec completes an AlertSpec with catalog material chosen by seed.
func fillSpec(kind Kind, in AlertSpec, seed int64) AlertSpec {
	sp := in
	n := int(seed % 9973)
	switch kind {
	case Dependabot:
		t := depCatalog[n%len(depCatalog)]
		def(&sp.Ecosystem, t.eco)
		def(&sp.Package, t.pkg)
		def(&sp.Manifest, t.manifest)
		def(&sp.Severity, t.severity)
		def(&sp.Title, t.summary)
		def(&sp.GHSAID, ghsaID(seed))
		def(&sp.CVEID, fmt.Sprintf("CVE-20%02d-%d", 18+n%8, 10000+n))
	case CodeScanning:
		t := ruleCatalog[n%len(ruleCatalog)]
		def(&sp.RuleID, t.id)
		def(&sp.Tool, t.tool)
		def(&sp.Title, t.description)
		def(&sp.Ref, "refs/heads/main")
		if sp.Severity == "" && sp.RuleSeverity == "" {
			sp.Severity, sp.RuleSeverity = t.securitySeverity, t.ruleSeverity
		}
		if sp.RuleSeverity == "" {
			sp.RuleSeverity = "error"
			if sp.Severity == "" {
				sp.RuleSeverity = "warning"
			}
		}
	case SecretScanning:
		t := secretCatalog[n%len(secretCatalog)]
		for _, c := range secretCatalog {
			if c.typ == sp.SecretType {
				t = c // a known type: its display name and token prefix
			}
		}
		if sp.SecretType == "" || sp.SecretType == t.typ {
			sp.SecretType = t.typ
			def(&sp.Title, t.display)
		}
		def(&sp.Title, strings.ReplaceAll(sp.SecretType, "_", " "))
		def(&sp.Secret, t.prefix+pseudoSecret(seed))
		def(&sp.Validity, validities[n%len(validities)])
	}
	return sp
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// ghsaID builds a GHSA-xxxx-xxxx-xxxx id from GitHub's advisory alphabet.
func ghsaID(seed int64) string {
	const alpha = "23456789cfghjmpqrvwx"
	var b strings.Builder
	b.WriteString("GHSA")
	x := uint64(seed)*2654435761 + 7
	for i := 0; i < 12; i++ {
		if i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alpha[x%uint64(len(alpha))])
		x = x/uint64(len(alpha)) + uint64(i+1)*1103515245
	}
	return b.String()
}

func pseudoSecret(seed int64) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = alpha[x%uint64(len(alpha))]
	}
	return string(b)
}

// hexID is a deterministic 40-hex-digit id (commit and blob SHAs).
func hexID(seed int64, salt uint64) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, 40)
	x := uint64(seed)*0x9E3779B97F4A7C15 + salt
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = hexd[x%16]
	}
	return string(b)
}
