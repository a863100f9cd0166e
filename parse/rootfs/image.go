package rootfs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Image describes the container image a root was read from: its format,
// the reference it was picked by and its configured command. A root that
// is a directory or a tar archive has none.
type Image struct {
	Format     string   // "oci" (a layout directory or archive) or "docker-archive"
	Tag        string   // the tag asked for, if any
	Layers     int      // how many layers were applied
	Entrypoint []string // the config's Entrypoint
	Cmd        []string // the config's Cmd
}

// Image returns what the root's container image says of itself, or nil
// when the root is not an image.
func (f *FS) Image() *Image { return f.image }

// imageRef is a --root naming an image: the transport, if the name said
// one ("oci:", "docker-archive:"), the path and the tag.
type imageRef struct {
	transport, path, tag string
}

// parseImageRef splits a root name with an image transport prefix
// (skopeo's syntax: oci:PATH[:TAG], docker-archive:PATH[:NAME:TAG]). The
// path is the longest prefix before a colon that exists: paths may hold
// colons, tags may not name files.
func parseImageRef(s string) (imageRef, bool) {
	for _, tr := range []string{"oci", "oci-archive", "docker-archive"} {
		rest, ok := strings.CutPrefix(s, tr+":")
		if !ok {
			continue
		}
		ref := imageRef{transport: tr, path: rest}
		if _, err := hostStat(rest); err == nil {
			return ref, true
		}
		for i := len(rest) - 1; i > 0; i-- {
			if rest[i] != ':' {
				continue
			}
			if _, err := hostStat(rest[:i]); err == nil {
				ref.path, ref.tag = rest[:i], rest[i+1:]
				break
			}
		}
		return ref, true
	}
	return imageRef{}, false
}

// hostStat is os.Stat of the path given to Open, or of a prefix of it
// that may name an image.
func hostStat(path string) (os.FileInfo, error) { return os.Stat(path) }

// openImage opens an image root: ref names it with a transport, or the
// path holds an OCI layout (a directory with an oci-layout file, or a tar
// with oci-layout and index.json at its top) or a docker save archive (a
// tar with a manifest.json at its top). It returns errNotImage for any
// other path, which Open then reads as a directory or tar root.
func openImage(ref imageRef) (*FS, error) {
	fi, err := hostStat(ref.path)
	switch {
	case err != nil && ref.transport == "":
		return nil, errNotImage // Open says what is wrong with the path
	case err != nil:
		return nil, err
	}
	var b blobs
	format := "oci"
	switch {
	case fi.IsDir():
		d, err := openDirBlobs(ref.path)
		if err != nil {
			return nil, err
		}
		if _, err := d.root.Lstat("oci-layout"); err != nil {
			d.close()
			if ref.transport == "" {
				return nil, errNotImage
			}
			return nil, fmt.Errorf("%s: not an OCI image layout (no oci-layout file)", ref.path)
		}
		b = d
	case fi.Mode().IsRegular():
		t, err := openArchiveBlobs(ref)
		if err != nil {
			return nil, err
		}
		b = t
		if t.has("manifest.json") {
			format = "docker-archive"
		}
	default:
		return nil, fmt.Errorf("%s: not a directory or a tar archive", ref.path)
	}
	defer b.close()
	var img v1.Image
	if format == "oci" {
		img, err = ociImage(b, ref.tag)
	} else {
		img, err = dockerImage(b.(*tarBlobs), ref.tag)
	}
	if err != nil {
		return nil, err
	}
	if t, ok := b.(*tarBlobs); ok && t.gz {
		if ls, err := img.Layers(); err == nil && len(ls) > maxGzipLayers {
			return nil, fmt.Errorf("%d layers in a gzip-compressed archive, more than %d: each is read by decompressing the archive up to it; decompress it first (gunzip)", len(ls), maxGzipLayers)
		}
	}
	return openLayers(ref.path, format, ref.tag, img)
}

// openArchiveBlobs indexes the regular file of ref as an image archive, a
// tar or a gzip-compressed tar (docker save | gzip). A file that is
// neither, or a tar with neither manifest.json nor an OCI layout at its
// top, is errNotImage unless ref named a transport.
func openArchiveBlobs(ref imageRef) (*tarBlobs, error) {
	path := ref.path
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var magic [2]byte
	n, _ := io.ReadFull(file, magic[:])
	gz := bytes.Equal(magic[:n], []byte{0x1f, 0x8b})
	t, err := indexArchive(file, gz)
	switch {
	case err != nil && ref.transport == "":
		file.Close()
		return nil, errNotImage
	case err != nil:
		file.Close()
		return nil, fmt.Errorf("%s: not an image archive (a tar, or a tar compressed with gzip): %w", ref.path, err)
	case t.has("manifest.json") && ref.transport != "oci" && ref.transport != "oci-archive":
		return t, nil
	case t.has("oci-layout") && t.has("index.json") && ref.transport != "docker-archive":
		return t, nil
	case ref.transport == "":
		file.Close()
		return nil, errNotImage
	}
	file.Close()
	if ref.transport == "docker-archive" {
		return nil, fmt.Errorf("%s: not a docker archive: no manifest.json", ref.path)
	}
	return nil, fmt.Errorf("%s: not an OCI image archive: no oci-layout and index.json", ref.path)
}

// dockerImage reads the image of a docker save archive with
// go-containerregistry's tarball package. The archive's manifest.json and
// the image's config are checked against maxMeta first: the package reads
// them whole.
func dockerImage(b *tarBlobs, tag string) (v1.Image, error) {
	data, err := readMeta(b, "manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var t *name.Tag
	if tag != "" {
		nt, err := name.NewTag(tag)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", tag, err)
		}
		t = &nt
	} else if len(m) != 1 {
		var tags []string
		for _, d := range m {
			tags = append(tags, d.RepoTags...)
		}
		slices.Sort(tags)
		return nil, fmt.Errorf("manifest.json has %d images: name one with docker-archive:PATH:NAME:TAG (tags: %s)", len(m), strings.Join(tags, ", "))
	}
	for _, d := range m {
		if _, err := readMeta(b, d.Config); err != nil {
			return nil, err
		}
	}
	return tarball.Image(b.whole, t)
}

// maxLayers bounds an image's layers; Docker's overlay driver stops at 128.
const maxLayers = 1024

// openLayers applies the layers of img in order into one index.
func openLayers(path, format, tag string, img v1.Image) (*FS, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image layers: %w", err)
	}
	switch {
	case len(layers) > maxLayers:
		return nil, fmt.Errorf("%d layers, more than %d", len(layers), maxLayers)
	case len(layers) != len(cfg.RootFS.DiffIDs):
		return nil, fmt.Errorf("%d layers, but the config lists %d diff_ids", len(layers), len(cfg.RootFS.DiffIDs))
	}
	srcs := make([]layerSource, len(layers))
	for i, l := range layers {
		srcs[i] = layerSource{open: l.Uncompressed, diffID: cfg.RootFS.DiffIDs[i]}
	}
	f, err := applyLayers(path, srcs)
	if err != nil {
		return nil, err
	}
	f.image = &Image{
		Format: format, Tag: tag, Layers: len(layers),
		Entrypoint: slices.Clone(cfg.Config.Entrypoint), Cmd: slices.Clone(cfg.Config.Cmd),
	}
	return f, nil
}

// isWhiteout reports whether a layer member's base name is a whiteout
// (OCI image spec, layer.md "Whiteouts").
func isWhiteout(base string) bool { return strings.HasPrefix(base, whiteoutPrefix) }

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
	whiteoutMeta   = ".wh..wh."
)
