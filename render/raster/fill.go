package raster

import (
	"image"
	"image/color"

	"golang.org/x/image/vector"
)

// rasterizer fills shapes with x/image/vector, each over the bounding box
// of the shape only (clipped to the image), so that the cost of a shape
// is its own area, not the picture's.
type rasterizer struct {
	z *vector.Rasterizer
}

// fill paints the union of the polygons in colour c (non-zero winding).
func (r *rasterizer) fill(img *image.RGBA, polys [][]point, c color.RGBA) {
	var box image.Rectangle
	for _, poly := range polys {
		box = box.Union(bounds(poly))
	}
	box = box.Intersect(img.Bounds())
	if box.Empty() {
		return
	}
	if r.z == nil {
		r.z = vector.NewRasterizer(box.Dx(), box.Dy())
	} else {
		r.z.Reset(box.Dx(), box.Dy())
	}
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	for _, poly := range polys {
		if len(poly) < 3 {
			continue
		}
		r.z.MoveTo(float32(poly[0].x-ox), float32(poly[0].y-oy))
		for _, q := range poly[1:] {
			r.z.LineTo(float32(q.x-ox), float32(q.y-oy))
		}
		r.z.ClosePath()
	}
	r.z.Draw(img, box, image.NewUniform(c), image.Point{})
}
