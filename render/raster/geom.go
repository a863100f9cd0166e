package raster

import "math"

// point is a place in the image, in pixels.
type point struct{ x, y float64 }

func (a point) add(b point) point      { return point{a.x + b.x, a.y + b.y} }
func (a point) sub(b point) point      { return point{a.x - b.x, a.y - b.y} }
func (a point) mul(k float64) point    { return point{a.x * k, a.y * k} }
func (a point) len() float64           { return math.Hypot(a.x, a.y) }
func lerp(a, b point, t float64) point { return a.add(b.sub(a).mul(t)) }
func cross(a, b, c point) float64      { return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x) }
func (a point) near(b point) bool      { return math.Abs(a.x-b.x) < 1e-9 && math.Abs(a.y-b.y) < 1e-9 }
func normal(a, b point, w float64) point {
	d := b.sub(a)
	l := d.len()
	return point{-d.y / l * w, d.x / l * w}
}

// flatten turns an xdot B-spline — a start point and then, for each
// piece, two control points and an end point (cubic Bézier curves, as
// Graphviz writes "pos" and "B") — into a polyline, about one point for
// every two pixels of the control polygon.
func flatten(ps []point) []point {
	if len(ps) < 4 {
		return ps
	}
	out := []point{ps[0]}
	for k := 0; k+3 < len(ps); k += 3 {
		p0, p1, p2, p3 := ps[k], ps[k+1], ps[k+2], ps[k+3]
		n := int(math.Ceil((p1.sub(p0).len() + p2.sub(p1).len() + p3.sub(p2).len()) / 2))
		n = min(max(n, 2), 200)
		for i := 1; i <= n; i++ {
			t := float64(i) / float64(n)
			a, b, c := lerp(p0, p1, t), lerp(p1, p2, t), lerp(p2, p3, t)
			out = append(out, lerp(lerp(a, b, t), lerp(b, c, t), t))
		}
	}
	return out
}

// ellipse returns a polygon for the ellipse with centre c and radii rx, ry.
func ellipse(c point, rx, ry float64) []point {
	n := int(math.Ceil(math.Max(rx, ry)))
	n = min(max(n, 16), 256)
	out := make([]point, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = point{c.x + rx*math.Cos(a), c.y + ry*math.Sin(a)}
	}
	return out
}

// dashes cuts the polyline into the runs a dash pattern draws (lengths
// in points, times unit pixels); no pattern: the polyline itself.
func dashes(pts []point, pattern []float64, unit float64) [][]point {
	if len(pattern) == 0 {
		return [][]point{pts}
	}
	var runs [][]point
	k, left, on := 0, pattern[0]*unit, true
	cur := []point{pts[0]}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		seg := b.sub(a).len()
		for seg > left {
			m := lerp(a, b, left/seg)
			if on {
				runs = append(runs, append(cur, m))
			}
			cur = []point{m}
			seg -= left
			a = m
			on = !on
			k = (k + 1) % len(pattern)
			left = pattern[k] * unit
		}
		left -= seg
		cur = append(cur, b)
	}
	if on && len(cur) > 1 {
		runs = append(runs, cur)
	}
	return runs
}

// strokeOutline returns the shapes that paint the polyline with a pen of
// width w: a quadrilateral for each segment and a disc at each inner
// joint of a wide pen, every one wound counter-clockwise so that the
// non-zero rule paints their union.
func strokeOutline(pts []point, w float64) [][]point {
	var polys [][]point
	h := w / 2
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if a.near(b) {
			continue
		}
		n := normal(a, b, h)
		polys = append(polys, ccw([]point{a.add(n), b.add(n), b.sub(n), a.sub(n)}))
		if i < len(pts)-1 && w > 1.5 {
			polys = append(polys, ccw(ellipse(b, h, h)))
		}
	}
	return polys
}

// ccw returns the polygon wound one way (positive area in image
// coordinates), reversing it when needed.
func ccw(poly []point) []point {
	area := 0.0
	for i := range poly {
		area += cross(point{}, poly[i], poly[(i+1)%len(poly)])
	}
	if area < 0 {
		for i, j := 0, len(poly)-1; i < j; i, j = i+1, j-1 {
			poly[i], poly[j] = poly[j], poly[i]
		}
	}
	return poly
}
