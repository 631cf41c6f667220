package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// maxSecretSize bounds a secret file: a credential is a line, and a path to
// something endless (/dev/zero) must not hang check-config.
const maxSecretSize = 64 << 10

var (
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// tokenPrefixes start GitHub tokens (personal, OAuth, user-to-server,
	// server-to-server, refresh, fine-grained) and JWTs (eyJ is `{"`).
	tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "eyJ"}
	// tokenShapeRe is a whole token: GitHub's, a JWT, or a GUID (Splunk HEC
	// tokens). A path only counts as a token when all of it, or its base
	// name, has this shape, so /run/credentials/ghp_token stays a path.
	tokenShapeRe = regexp.MustCompile(`^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)
)

// looksLikeToken reports whether s, given where a variable name or a path
// belongs, is probably the credential itself.
func looksLikeToken(s string, isPath bool) bool {
	s = strings.TrimSpace(s)
	if tokenShapeRe.MatchString(s) || isPath && tokenShapeRe.MatchString(filepath.Base(s)) {
		return true
	}
	if isPath {
		return false
	}
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// SecretRef is a secret named by a pair of fields, <Path>_file (a file
// holding it, e.g. from systemd's LoadCredential=) and <Path>_env (an
// environment variable holding it): a secret is never inline in the YAML,
// and at most one of the two is set. Every secret of the config, the
// exporter's and the sinks', follows these rules.
type SecretRef struct {
	// Path names the pair without its suffix, e.g. "github.token" for
	// github.token_file and github.token_env, or "token" relative to a
	// sink's entry.
	Path      string
	File, Env string
	// Required: one of the two must be set.
	Required bool
}

// Check checks the pair's shape without reading either (Validate's part):
// at most one is set (ErrConflict), one is when Required (ErrRequired), the
// variable name is a name, and neither is what looks like the credential
// pasted in by mistake (ErrInvalid). Such a value is never part of the
// error.
func (r SecretRef) Check() error {
	path, file, env := r.Path, r.File, r.Env
	var errs []error
	switch {
	case file != "" && env != "":
		errs = append(errs, Conflict(path+"_file", "set %s_file or %s_env, not both", path, path))
	case file == "" && env == "" && r.Required:
		errs = append(errs, Required(path+"_file", "set %s_file or %s_env", path, path))
	}
	if env != "" {
		switch {
		case looksLikeToken(env, false):
			errs = append(errs, Field(path+"_env", nil, "looks like a token value, not an environment variable name: put the token in the environment and name the variable here (value not shown)"))
		case !envNameRe.MatchString(env):
			errs = append(errs, Field(path+"_env", nil, "not an environment variable name (letters, digits and '_', not starting with a digit; value not shown in case it is a secret)"))
		}
	}
	if file != "" && looksLikeToken(file, true) {
		errs = append(errs, Field(path+"_file", nil, "looks like a token value, not a path: put the token in a file and give its path here (value not shown)"))
	}
	return errors.Join(errs...)
}

// Resolve reads the secret (the resolve step's part): the file's content
// less trailing newlines, or the variable's value; "" when neither is set
// and the secret is optional. The file must be a regular file of at most
// 64 KiB. A file that cannot be read, an empty file or an unset variable
// is ErrUnreadable, naming the field and the path or variable name; the
// value is never part of an error. Resolve checks the shape first, so it
// never reads what Check refuses.
func (r SecretRef) Resolve() (string, error) {
	if err := r.Check(); err != nil {
		return "", err
	}
	switch {
	case r.File != "":
		b, err := ReadFileLimited(r.File, maxSecretSize)
		if err != nil {
			return "", Unreadable(r.Path+"_file", r.File, "cannot read secret file: %v", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", Unreadable(r.Path+"_file", r.File, "secret file is empty")
		}
		return v, nil
	case r.Env != "":
		v := os.Getenv(r.Env)
		if v == "" {
			return "", Unreadable(r.Path+"_env", r.Env, "environment variable is unset or empty")
		}
		return v, nil
	}
	return "", nil
}

// ReadFileLimited reads a regular file of at most limit bytes, for the
// files a config names (secrets, keys, CA bundles): a path to something
// endless (/dev/zero) or blocking (a FIFO) must not hang check-config. Its
// errors carry neither the path (the caller names the field) nor content.
func ReadFileLimited(name string, limit int64) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, cause(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, cause(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, cause(err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d KiB", limit>>10)
	}
	return b, nil
}

// cause drops the *os.PathError wrapping, whose message repeats the path.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
