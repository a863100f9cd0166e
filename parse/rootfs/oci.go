package rootfs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// An OCI image layout (OCI image spec, image-layout.md): index.json names
// manifests, perhaps through nested indexes; a manifest names the config
// and the layers; every blob is blobs/ALGORITHM/HEX. go-containerregistry
// parses the index, the manifests and the config and decompresses the
// layers; the blobs are read here, from a directory through an os.Root or
// from an archive's members, since its layout package opens blob paths on
// the host as they come (a symlinked blob would lead outside the layout, a
// FIFO would hang).

// refName is the annotation that tags a manifest of an index.
const refName = "org.opencontainers.image.ref.name"

// maxIndexDepth bounds nested indexes (an image index of image indexes).
const maxIndexDepth = 4

// ociImage returns the image of the OCI layout b tagged tag; without a
// tag, the layout's one image.
func ociImage(b blobs, tag string) (v1.Image, error) {
	data, err := readMeta(b, "index.json")
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	desc, err := pickTag(idx.Manifests, tag)
	if err != nil {
		return nil, err
	}
	for depth := 0; desc.MediaType.IsIndex(); depth++ {
		if depth == maxIndexDepth {
			return nil, fmt.Errorf("image indexes nested more than %d deep", maxIndexDepth)
		}
		data, err := readBlob(b, desc.Digest)
		if err != nil {
			return nil, err
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", desc.Digest, err)
		}
		if desc, err = pickPlatform(idx.Manifests); err != nil {
			return nil, fmt.Errorf("index %s: %w", desc.Digest, err)
		}
	}
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("manifest %s: media type %q is not an image", desc.Digest, desc.MediaType)
	}
	return partial.CompressedToImage(&ociCore{b: b, desc: desc})
}

// pickTag returns the manifest of index.json tagged tag, or without a tag
// the only one.
func pickTag(ms []v1.Descriptor, tag string) (v1.Descriptor, error) {
	var tags []string
	for _, m := range ms {
		if t := m.Annotations[refName]; t != "" {
			if t == tag {
				return m, nil
			}
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	list := strings.Join(tags, ", ")
	if list == "" {
		list = "none"
	}
	switch {
	case tag != "":
		return v1.Descriptor{}, fmt.Errorf("no image tagged %q in index.json (tags: %s)", tag, list)
	case len(ms) == 1:
		return ms[0], nil
	case len(ms) == 0:
		return v1.Descriptor{}, fmt.Errorf("index.json lists no image")
	}
	return v1.Descriptor{}, fmt.Errorf("index.json lists %d images: name one with oci:PATH:TAG (tags: %s)", len(ms), list)
}

// pickPlatform returns the image of a nested index: the only one, else the
// one for linux on this machine's architecture, as a runtime pulling it
// would pick.
func pickPlatform(ms []v1.Descriptor) (v1.Descriptor, error) {
	if len(ms) == 1 {
		return ms[0], nil
	}
	var have []string
	for _, m := range ms {
		if p := m.Platform; p != nil {
			if p.OS == "linux" && p.Architecture == runtime.GOARCH {
				return m, nil
			}
			have = append(have, p.OS+"/"+p.Architecture)
		}
	}
	return v1.Descriptor{}, fmt.Errorf("no image for linux/%s among %d (%s)", runtime.GOARCH, len(ms), strings.Join(have, ", "))
}

// blobName is where the blob of digest h lives in a layout. Only sha256
// digests of 64 hex digits are accepted, so a digest cannot name a path.
func blobName(h v1.Hash) (string, error) {
	if _, err := hex.DecodeString(h.Hex); h.Algorithm != "sha256" || len(h.Hex) != 64 || err != nil {
		return "", fmt.Errorf("digest %q: want sha256 and 64 hex digits", h.String())
	}
	return "blobs/sha256/" + h.Hex, nil
}

// readBlob reads a JSON blob (manifest, index, config) and checks its digest.
func readBlob(b blobs, h v1.Hash) ([]byte, error) {
	n, err := blobName(h)
	if err != nil {
		return nil, err
	}
	data, err := readMeta(b, n)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h.Hex {
		return nil, fmt.Errorf("%s: contents do not match the digest", n)
	}
	return data, nil
}

// ociCore is the partial.CompressedImageCore of one image of a layout.
type ociCore struct {
	b    blobs
	desc v1.Descriptor

	once     sync.Once
	manifest []byte
	err      error
}

func (c *ociCore) MediaType() (types.MediaType, error) { return c.desc.MediaType, nil }

func (c *ociCore) RawManifest() ([]byte, error) {
	c.once.Do(func() { c.manifest, c.err = readBlob(c.b, c.desc.Digest) })
	return c.manifest, c.err
}

func (c *ociCore) RawConfigFile() ([]byte, error) {
	m, err := partial.Manifest(c)
	if err != nil {
		return nil, err
	}
	return readBlob(c.b, m.Config.Digest)
}

func (c *ociCore) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := partial.Manifest(c)
	if err != nil {
		return nil, err
	}
	for _, l := range m.Layers {
		if l.Digest == h {
			return &ociLayer{b: c.b, desc: l}, nil
		}
	}
	return nil, fmt.Errorf("layer %s: not in the manifest", h)
}

// ociLayer is one layer blob of a layout.
type ociLayer struct {
	b    blobs
	desc v1.Descriptor
}

func (l *ociLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *ociLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *ociLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l *ociLayer) Compressed() (io.ReadCloser, error) {
	n, err := blobName(l.desc.Digest)
	if err != nil {
		return nil, err
	}
	rc, _, err := l.b.open(n)
	return rc, err
}
