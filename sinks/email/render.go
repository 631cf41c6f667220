package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// rendered is one mail's content.
type rendered struct {
	Subject, Text, HTML string
}

// templates are the sink's parsed templates: the bodies are built in, the
// subjects come from the config.
type templates struct {
	digestSubject, immediateSubject *texttemplate.Template
	digestText, immediateText       *texttemplate.Template
	digestHTML, immediateHTML       *htmltemplate.Template
}

var sourceNames = map[exporter.Source]string{
	exporter.SourceDependabot: "Dependabot", exporter.SourceCodeScanning: "code scanning",
	exporter.SourceSecretScanning: "secret scanning", exporter.SourceAuditLog: "audit log",
	exporter.SourcePushRules: "push rules",
}

func sourceName(s exporter.Source) string {
	if n, ok := sourceNames[s]; ok {
		return n
	}
	return string(s)
}

var textFuncs = texttemplate.FuncMap{
	"source": sourceName,
	"join":   strings.Join,
	// bar is an ASCII bar of up to 30 characters for a 0–100 share.
	"bar": func(pct int) string { return strings.Repeat("#", (pct*30+99)/100) },
}

var cssColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

var htmlFuncs = htmltemplate.FuncMap{
	"source": sourceName,
	"join":   strings.Join,
	"sevcolor": func(sev string) htmltemplate.CSS {
		if c, ok := severityColors[sev]; ok {
			return htmltemplate.CSS(c)
		}
		return htmltemplate.CSS(severityColors[exporter.SeverityNone])
	},
	// bar draws a horizontal bar as a two-cell table: mail clients render
	// table cell widths reliably and images would be blocked or external.
	"bar": func(pct int, color string) htmltemplate.HTML {
		if pct <= 0 {
			return ""
		}
		if !cssColor.MatchString(color) {
			color = "#6e7781"
		}
		pct = min(pct, 100)
		rest := ""
		if pct < 100 {
			rest = fmt.Sprintf(`<td width="%d%%" style="font-size:0;line-height:0">&nbsp;</td>`, 100-pct)
		}
		return htmltemplate.HTML(fmt.Sprintf(`<table role="presentation" width="100%%" cellpadding="0" cellspacing="0" border="0"><tr>`+
			`<td width="%d%%" height="12" style="background-color:%s;height:12px;font-size:0;line-height:0">&nbsp;</td>%s</tr></table>`, pct, color, rest))
	},
	"summary": func(d *Digest) []tile {
		return []tile{
			{d.New, "events"}, {d.NewAlerts, "new alerts"}, {d.Fixed, "fixed"},
			{d.Dismissals.Total(), "dismissed"}, {d.Bypasses.Total(), "bypasses"}, {d.AuditEvents, "audit"},
		}
	},
}

type tile struct {
	N     int
	Label string
}

// Total is the list's length before capping.
func (l List) Total() int { return len(l.Items) + l.More }

func parseTemplates(cfg *Config) (*templates, error) {
	var t templates
	var err error
	if t.digestSubject, err = texttemplate.New("subject").Parse(cfg.Subject); err != nil {
		return nil, config.Field("subject", cfg.Subject, "bad template: %v", err)
	}
	if t.immediateSubject, err = texttemplate.New("immediate_subject").Parse(cfg.ImmediateSubject); err != nil {
		return nil, config.Field("immediate_subject", cfg.ImmediateSubject, "bad template: %v", err)
	}
	// The built-in templates are part of the binary; a parse error is a bug.
	t.digestText = texttemplate.Must(texttemplate.New("digest.txt.tmpl").Funcs(textFuncs).ParseFS(templateFS, "templates/digest.txt.tmpl"))
	t.immediateText = texttemplate.Must(texttemplate.New("immediate.txt.tmpl").Funcs(textFuncs).ParseFS(templateFS, "templates/immediate.txt.tmpl"))
	t.digestHTML = htmltemplate.Must(htmltemplate.New("digest.html.tmpl").Funcs(htmlFuncs).ParseFS(templateFS, "templates/digest.html.tmpl"))
	t.immediateHTML = htmltemplate.Must(htmltemplate.New("immediate.html.tmpl").Funcs(htmlFuncs).ParseFS(templateFS, "templates/immediate.html.tmpl"))
	return &t, nil
}

func execText(t *texttemplate.Template, data any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func execHTML(t *htmltemplate.Template, data any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// subjectLine runs a subject template; a subject is one line, so line
// breaks a template might produce are folded into spaces.
func subjectLine(t *texttemplate.Template, data any) (string, error) {
	s, err := execText(t, data)
	if err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(s), " "), nil
}

func (t *templates) digest(d *Digest) (rendered, error) {
	var r rendered
	var err error
	if r.Subject, err = subjectLine(t.digestSubject, d); err != nil {
		return r, fmt.Errorf("render digest subject: %w", err)
	}
	if r.Text, err = execText(t.digestText, d); err != nil {
		return r, fmt.Errorf("render digest text: %w", err)
	}
	if r.HTML, err = execHTML(t.digestHTML, d); err != nil {
		return r, fmt.Errorf("render digest html: %w", err)
	}
	return r, nil
}

func (t *templates) immediate(m *Immediate) (rendered, error) {
	var r rendered
	var err error
	if r.Subject, err = subjectLine(t.immediateSubject, m); err != nil {
		return r, fmt.Errorf("render immediate subject: %w", err)
	}
	if r.Text, err = execText(t.immediateText, m); err != nil {
		return r, fmt.Errorf("render immediate text: %w", err)
	}
	if r.HTML, err = execHTML(t.immediateHTML, m); err != nil {
		return r, fmt.Errorf("render immediate html: %w", err)
	}
	return r, nil
}
