package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// svgElements are the elements of Graphviz's SVG output that the map
// keeps; anything else (a script, a foreign object, a link) is dropped
// with what it holds.
var svgElements = map[string]bool{
	"svg": true, "g": true, "title": true, "path": true, "polygon": true, "polyline": true,
	"ellipse": true, "text": true,
}

// svgAttrs are the attributes the map keeps: geometry, paint and text
// style. No attribute that can hold code or a reference (on*, href,
// style) is among them.
var svgAttrs = map[string]bool{
	"id": true, "class": true, "transform": true, "viewBox": true, "width": true, "height": true,
	"d": true, "points": true, "cx": true, "cy": true, "rx": true, "ry": true, "x": true, "y": true,
	"fill": true, "fill-opacity": true, "stroke": true, "stroke-width": true, "stroke-dasharray": true,
	"stroke-opacity": true, "text-anchor": true, "font-family": true, "font-size": true,
	"font-weight": true, "font-style": true,
}

// cleanSVG returns Graphviz's SVG as the page embeds it: read as XML,
// written again with only the elements and attributes of svgElements
// and svgAttrs (no namespace, no comment, no DOCTYPE), every text and
// value escaped, and names shown as printable writes them. The width and
// height of the picture are left to the page.
func cleanSVG(svg []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var b strings.Builder
	skip := 0 // depth inside a dropped element
	seen := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading the layout's SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || !svgElements[t.Name.Local] || t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2000/svg" {
				skip++
				continue
			}
			b.WriteString("<" + t.Name.Local)
			if t.Name.Local == "svg" {
				seen = true
				b.WriteString(` id="map-svg"`)
			}
			for _, a := range t.Attr {
				if a.Name.Space != "" || !svgAttrs[a.Name.Local] {
					continue
				}
				if t.Name.Local == "svg" && (a.Name.Local == "width" || a.Name.Local == "height" || a.Name.Local == "id") {
					continue
				}
				fmt.Fprintf(&b, ` %s="%s"`, a.Name.Local, esc(printable(a.Value)))
			}
			b.WriteString(">")
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			b.WriteString("</" + t.Name.Local + ">")
			if t.Name.Local == "g" {
				b.WriteString("\n")
			}
		case xml.CharData:
			// Text between elements is layout whitespace (printable
			// would write its newlines out); text in an element is a
			// label or a title.
			if skip == 0 && strings.TrimSpace(string(t)) != "" {
				b.WriteString(esc(printable(string(t))))
			}
		}
	}
	if !seen {
		return "", errors.New("reading the layout's SVG: no <svg> element")
	}
	return b.String(), nil
}
