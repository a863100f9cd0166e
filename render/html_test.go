package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
)

// fakeLayout stands for Graphviz: an SVG with a node for each service
// of the DOT text (its id and label), and, as a hostile layout or name
// could bring, a script, an event handler, a link, a foreign object and
// a style.
func fakeLayout(dot []byte) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg width="200pt" height="100pt" viewBox="0 0 200 100" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">
<script>alert(2)</script>
<g id="graph0" class="graph" style="background: url(http://x/)">
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
<a xlink:href="javascript:alert(3)"><text>link</text></a>
`)
	for _, m := range regexp.MustCompile(`(?m)^\t*"n\d+" \[id="(n\d+)".*label=("(?:[^"\\]|\\.)*")`).FindAllSubmatch(dot, -1) {
		m[1], m[2] = m[2], m[1]
		name := strings.ReplaceAll(strings.ReplaceAll(string(m[1][1:len(m[1])-1]), `\"`, `"`), `\\`, `\`)
		var text bytes.Buffer
		if err := xmlEscape(&text, name); err != nil {
			return nil, err
		}
		b.WriteString(`<g id="` + string(m[2]) + `" class="node" onclick="alert(4)"><title>` + text.String() + `</title><polygon fill="white" stroke="black" points="0,0 1,1 2,0"/><text x="1" y="1">` + text.String() + "</text></g>\n")
	}
	b.WriteString("</g>\n</svg>\n")
	return []byte(b.String()), nil
}

// TestHTMLHostile checks that the page of a boot whose names are
// hostile holds no markup of theirs: only the page's own three scripts,
// no event handler, link or foreign object from the layout, the data
// without "</script", and the names shown escaped.
func TestHTMLHostile(t *testing.T) {
	var out bytes.Buffer
	if err := HTML(&out, []Drawing{hostileBoot()}, fakeLayout); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	if n := strings.Count(strings.ToLower(page), "<script"); n != 3 {
		t.Errorf("the page has %d <script> elements, want its own 3 (data, library, map)", n)
	}
	for _, bad := range []string{"\u202e", "\x01", "\x1b", "http://x/"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	// Its markup, the scripts' code aside: the page's own elements, none
	// with an event handler or a link.
	markup := regexp.MustCompile(`(?s)(<script[^>]*>).*?</script>`).ReplaceAllString(page, "$1</script>")
	own := map[string]bool{"!doctype": true, "html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
		"header": true, "h1": true, "input": true, "span": true, "label": true, "button": true, "nav": true, "datalist": true,
		"main": true, "div": true, "aside": true, "section": true, "p": true, "script": true,
		"svg": true, "g": true, "path": true, "polygon": true, "polyline": true, "ellipse": true, "text": true, "rect": true}
	for _, tag := range regexp.MustCompile(`<(/?)([a-zA-Z!][^\s>/]*)([^>]*)>`).FindAllStringSubmatch(markup, -1) {
		if !own[strings.ToLower(tag[2])] {
			t.Errorf("the page has a <%s> element", tag[2])
		}
		if attrs := strings.ToLower(tag[3]); regexp.MustCompile(`\son\w+=|javascript:|href=|style=`).MatchString(attrs) {
			t.Errorf("the page has an element <%s%s>", tag[2], tag[3])
		}
	}
	// The data: JSON that a script element cannot end early, with the
	// names as the map shows them.
	i := strings.Index(page, `<script type="application/json" id="initorder-data">`)
	j := strings.Index(page[i:], "</script>")
	raw := page[i+len(`<script type="application/json" id="initorder-data">`) : i+j]
	var data mapData
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		t.Fatalf("the page's data: %v", err)
	}
	var names []string
	for _, s := range data.Services {
		names = append(names, s.Name)
	}
	for _, want := range []string{`<script>alert(1)</script>`, `rlo\u202eecivres.exe`, `ctl\x01\x1b[2J\x7f.service`} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("the page's data names %q, not %q", names, want)
		}
	}
	// The map: the labels as text.
	if !strings.Contains(page, `<text x="1" y="1">&lt;script&gt;alert(1)&lt;/script&gt;</text>`) {
		t.Errorf("the map does not show <script>alert(1)</script> as text")
	}
	if !strings.Contains(page, `rlo\u202eecivres.exe`) {
		t.Errorf("the map does not show the right-to-left override escaped")
	}
}

// TestCleanSVG checks the allowlist on Graphviz's own markup: a node
// keeps its id, class, title, shape and label.
func TestCleanSVG(t *testing.T) {
	in := `<?xml version="1.0"?><svg width="10pt" height="10pt" viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg"><!-- a -->
<g id="n0" class="node"><title>a&#45;b</title><path fill="#dce8fa" stroke="black" d="M1,1L2,2"/><text text-anchor="middle" x="5" y="5" font-family="Helvetica,sans-Serif" font-size="10.00">a&#45;b</text></g></svg>`
	got, err := cleanSVG([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `<svg id="map-svg" viewBox="0 0 10 10"><g id="n0" class="node"><title>a-b</title><path fill="#dce8fa" stroke="black" d="M1,1L2,2"></path><text text-anchor="middle" x="5" y="5" font-family="Helvetica,sans-Serif" font-size="10.00">a-b</text></g>
</svg>`
	if got != want {
		t.Errorf("cleanSVG = %s\nwant %s", got, want)
	}
	if _, err := cleanSVG([]byte("<html></html>")); err == nil {
		t.Errorf("cleanSVG(<html>) = nil error")
	}
}

func xmlEscape(b *bytes.Buffer, s string) error {
	return xml.EscapeText(b, []byte(s))
}
