package content

import (
	"fmt"
	"os"
	"strings"
)

// confStanza is one [stanza] of a Splunk .conf file, keys in file order.
type confStanza struct {
	Name string
	Keys []string
	Vals map[string]string
}

// confFile is a parsed .conf file, stanzas in file order.
type confFile struct {
	Path    string
	Stanzas []*confStanza
	byName  map[string]*confStanza
}

func (c *confFile) stanza(name string) *confStanza { return c.byName[name] }

// parseConf reads Splunk's .conf format: "[stanza]" headers, "key = value"
// settings, comments on lines of their own starting with "#", blank lines,
// and a backslash at the end of a line continuing the value on the next.
// Settings before the first header belong to the "default" stanza. It is
// stricter than Splunk, which silently keeps the last of two equal keys or
// stanzas: both are errors here, as is a line that is none of the above.
func parseConf(path string) (*confFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &confFile{Path: path, byName: map[string]*confStanza{}}
	cur := &confStanza{Name: "default", Vals: map[string]string{}}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := lines[i]
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + "\n" + lines[i]
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasPrefix(t, "["):
			if !strings.HasSuffix(t, "]") {
				return nil, fmt.Errorf("%s:%d: stanza header without ]: %q", path, n, t)
			}
			name := t[1 : len(t)-1]
			if c.byName[name] != nil {
				return nil, fmt.Errorf("%s:%d: stanza [%s] again", path, n, name)
			}
			cur = &confStanza{Name: name, Vals: map[string]string{}}
			c.Stanzas = append(c.Stanzas, cur)
			c.byName[name] = cur
		default:
			k, v, ok := strings.Cut(t, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, fmt.Errorf("%s:%d: not key = value: %q", path, n, t)
			}
			if _, dup := cur.Vals[k]; dup {
				return nil, fmt.Errorf("%s:%d: [%s] %s again", path, n, cur.Name, k)
			}
			if cur.Name == "default" && c.byName["default"] == nil {
				c.Stanzas = append(c.Stanzas, cur)
				c.byName["default"] = cur
			}
			cur.Keys = append(cur.Keys, k)
			cur.Vals[k] = strings.TrimSpace(v)
		}
	}
	return c, nil
}
