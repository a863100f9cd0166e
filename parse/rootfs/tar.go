package rootfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"
)

// keptPrefixes are the directories whose regular files a tar root keeps in
// memory: everything initorder reads (init scripts and their links, upstart
// jobs, systemd units and drop-ins, insserv configuration). Files outside
// them are kept too when the booted machine reaches them through these
// directories by symlinks (say etc/systemd/system/x.service ->
// /opt/x/x.service, or etc -> private/etc). Of the programs in bin, sbin,
// usr/bin and usr/sbin only the names, modes, sizes and links are read
// (which init sbin/init leads to, whether startpar and initctl are
// there), which every header gives: their contents, three quarters of a
// Debian image, are not kept.
var keptPrefixes = []string{
	"etc",
	"lib/systemd", "usr/lib/systemd", "usr/local/lib/systemd", "run/systemd",
	"lib/init", "usr/share/insserv",
}

// tarLimits bound what indexing an archive may cost, whatever it holds.
type tarLimits struct {
	kept    int64 // bytes of file contents kept
	index   int64 // bytes of index: each header's name and link target, and entryCost an entry
	headers int   // headers read
}

var defaultTarLimits = tarLimits{kept: 256 << 20, index: 256 << 20, headers: 2_000_000}

const (
	// entryCost is what an entry of the index costs besides its name:
	// the tarEntry, its place in the map and in its directory's list.
	entryCost = 176
	// nameMax is NAME_MAX, the longest name of a file of a Linux file
	// system; pathMax bounds a whole name.
	nameMax = 255
)

var errNotReached = fmt.Errorf("%w: not under %s/ in a tar root", ErrNotKept, strings.Join(keptPrefixes, "/, "))

// ErrPartial wraps a problem of a root (Problems) after which the root was
// read only in part: what the rest holds is missing.
var ErrPartial = errors.New("the rest of the archive is not read")

// openTar indexes the archive at path. The first pass reads every header and
// the contents of regular files under keptPrefixes. Once the index is whole,
// the files reachable from keptPrefixes through symlinks are known; if some
// of them were not kept, a second pass reads just those.
//
// An archive whose members are all under one top-level directory that is
// not one of a root's own (`tar czf image.tgz rootdir`) is read from
// inside that directory: the root is what the directory held (FS.Inside).
// When the first member is that directory, as tar writes it, the first
// pass reads from inside it at once, and reads again from the top only if
// a member outside it follows; otherwise the archive is indexed again
// once the index shows one top-level directory.
func openTar(path string) (*FS, error) { return openTarLimits(path, defaultTarLimits) }

func openTarLimits(path string, l tarLimits) (*FS, error) {
	f, t, err := indexTar(path, guessTop, l)
	if errors.Is(err, errOutsideTop) {
		f, t, err = indexTar(path, "", l)
	}
	if err != nil {
		return nil, err
	}
	if t.strip != "" {
		f.inside = strings.TrimSuffix(t.strip, "/")
	} else if top := t.singleTop(); top != "" {
		if f, t, err = indexTar(path, top+"/", l); err != nil {
			return nil, err
		}
		f.inside = top
	}
	t.link()
	f.problems = t.problems()
	if need := t.reachable(f); len(need) > 0 {
		rc, err := openArchive(path)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		if err := t.fill(tar.NewReader(rc), need, 0); err != nil {
			return nil, err
		}
		f.problems = t.problems() // fill may have found the archive cut short
	}
	t.buf = nil
	return f, nil
}

// guessTop, as indexTar's strip, is the top-level directory the first
// member names, if it is a directory and not one of a root's own.
const guessTop = "?"

// errOutsideTop is the error of an index whose top-level directory was
// guessed (guessTop) when a member outside it follows.
var errOutsideTop = errors.New("a member outside the first member's directory")

// indexTar reads the headers of the archive at path into a new tar root
// of limits l, with strip cut from the front of every member's name.
func indexTar(path, strip string, l tarLimits) (*FS, *tarFS, error) {
	t := newTarFS(l)
	t.strip, t.guess = strip, strip == guessTop
	if t.guess {
		t.strip = ""
	}
	f := &FS{path: path, b: t}
	rc, err := openArchive(path)
	if err != nil {
		return nil, nil, err
	}
	err = t.index(f, tar.NewReader(rc), rc)
	rc.Close()
	if err != nil {
		return nil, nil, err
	}
	return f, t, nil
}

// rootDirs are the top-level directories of a root: an archive of one of
// them alone (`tar czf etc.tgz etc`, an /etc-only tree) is a root with
// that directory, not a root inside it.
var rootDirs = map[string]bool{
	"bin": true, "boot": true, "dev": true, "etc": true, "home": true, "lib": true, "lib32": true,
	"lib64": true, "libx32": true, "media": true, "mnt": true, "opt": true, "proc": true, "root": true,
	"run": true, "sbin": true, "srv": true, "sys": true, "tmp": true, "usr": true, "var": true,
}

// singleTop returns the one top-level directory every member of the
// archive is under, when there is one and it is not one of a root's own
// directories; "" otherwise.
func (t *tarFS) singleTop() string {
	top := ""
	for name := range t.files {
		if name == "." {
			continue
		}
		first, _, _ := strings.Cut(name, "/")
		if top != "" && first != top {
			return ""
		}
		top = first
	}
	if e := t.files[top]; top == "" || rootDirs[top] || e == nil || !e.mode.IsDir() {
		return ""
	}
	return top
}

// openArchive opens the archive at path, decompressing it when its first
// bytes are gzip's magic number. It is the only function of the package that
// opens a file by host path, and path is the one given to Open.
func openArchive(path string) (io.ReadCloser, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(file)
	magic, _ := br.Peek(6)
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			file.Close()
			return nil, err
		}
		r = zr
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		file.Close()
		return nil, errors.New("xz-compressed archive: not supported, decompress it or use .tar.gz")
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		file.Close()
		return nil, errors.New("zstd-compressed archive: not supported, decompress it or use .tar.gz")
	case bytes.HasPrefix(magic, []byte("BZh")):
		file.Close()
		return nil, errors.New("bzip2-compressed archive: not supported, decompress it or use .tar.gz")
	}
	// What comes first must be a tar header (or the zero block of an
	// empty archive): anything else is not an image, and the tar reader
	// would only say "unexpected EOF".
	tr := bufio.NewReaderSize(r, blockSize)
	if head, _ := tr.Peek(blockSize); !tarHeader(head) {
		file.Close()
		if r != io.Reader(br) {
			return nil, errors.New("a gzip file, but what it holds is not a tar archive")
		}
		return nil, errors.New("neither a tar archive nor a gzip file (no tar header, no gzip magic number)")
	}
	return struct {
		io.Reader
		io.Closer
	}{tr, file}, nil
}

// blockSize is the size of a tar header.
const blockSize = 512

// tarHeader reports whether b is a tar header block: its checksum (the
// bytes of the block, the checksum field counted as spaces) matches the
// octal number in that field; a block of zeros ends an (empty) archive.
func tarHeader(b []byte) bool {
	if len(b) < blockSize {
		return false
	}
	if bytes.Count(b[:blockSize], []byte{0}) == blockSize {
		return true
	}
	var unsigned, signed int64
	for i, c := range b[:blockSize] {
		if 148 <= i && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	field := strings.Trim(string(b[148:156]), " \x00")
	var sum int64
	if field == "" {
		return false
	}
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		sum = sum*8 + int64(c-'0')
	}
	return sum == unsigned || sum == signed
}

// index reads the headers of tr into t, up to t's limits: past them, it
// stops reading and notes where (problems), and the root is what was read.
// A member no file system could hold (a name of pathMax bytes or more, or
// with a component longer than nameMax; a symlink target of pathMax bytes
// or more) is left out and counted.
//
// After the end of the archive, up to a MiB more of rest (the reader tr
// reads) is read, so that a gzip stream cut short there (its checksum,
// which tar does not read) is said too.
func (t *tarFS) index(f *FS, tr *tar.Reader, rest io.Reader) error {
	for ord := 0; ; ord++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if _, err := io.Copy(io.Discard, io.LimitReader(rest, 1<<20)); err != nil && ord > 0 {
				t.stop = &tarStop{ord: ord, err: err, end: true}
			}
			return nil
		}
		if err != nil {
			// Not an archive, or one that ends or is damaged after the
			// members read: the root is what they hold.
			if ord == 0 {
				return err
			}
			t.stop = &tarStop{ord: ord, err: err}
			return nil
		}
		cost := entryCost + int64(len(hdr.Name)) + int64(len(hdr.Linkname))
		if ord >= t.limits.headers || t.size+cost > t.limits.index {
			t.stop = &tarStop{ord: ord, name: hdr.Name}
			return nil
		}
		t.size += cost
		if !holdable(hdr) {
			if t.odd == 0 {
				t.firstOdd = hdr.Name
			}
			t.odd++
			continue
		}
		e := t.entry(hdr, ord)
		if e == nil {
			continue
		}
		if t.guess && ord == 0 {
			if top := cleanRel(hdr.Name); e.mode.IsDir() && !strings.Contains(top, "/") && top != "." && !rootDirs[top] {
				t.strip = top + "/"
			}
		}
		name := t.stripped(hdr.Name)
		if t.guess && t.strip != "" && (name == "" || name == "." && !e.mode.IsDir()) {
			return errOutsideTop
		}
		if name == "" {
			continue
		}
		if name == "." {
			if e.mode.IsDir() {
				t.files["."] = e
			}
			continue
		}
		// Members may start with "./" or "/" or climb with "..": cleanRel
		// anchors them all at the root. A duplicate replaces the earlier
		// member, as extracting the archive would.
		name = t.place(f, name)
		t.files[name] = e
		if e.mode.IsRegular() && int(e.ord) == ord && hasKeptPrefix(name) {
			if err := t.keep(e, tr); err != nil {
				// Its contents end early: neither it nor what follows is read.
				delete(t.files, name)
				t.stop = &tarStop{ord: ord, name: hdr.Name, err: err}
				return nil
			}
		}
	}
}

// stripped returns where the member name lands in the root: cleaned and
// anchored at the root, with t.strip cut from its front ("." for the
// stripped directory itself); "" for a member outside it.
func (t *tarFS) stripped(name string) string {
	name = cleanRel(name)
	if t.strip == "" {
		return name
	}
	if name+"/" == t.strip {
		return "."
	}
	rest, ok := strings.CutPrefix(name, t.strip)
	if !ok {
		return ""
	}
	return rest
}

// holdable reports whether a file system could hold the member: extracting
// one that is not fails (ENAMETOOLONG), and no booted machine can name it.
func holdable(hdr *tar.Header) bool {
	if len(hdr.Name) >= pathMax || len(hdr.Linkname) >= pathMax {
		return false
	}
	for c := range strings.SplitSeq(hdr.Name, "/") {
		if len(c) > nameMax {
			return false
		}
	}
	return true
}

// tarStop is where indexing stopped: at a limit, or where the archive
// ends early or is damaged (err).
type tarStop struct {
	ord  int
	name string // the member's name, "" when its header could not be read
	err  error
	end  bool // err came after the archive's end (a gzip stream's end)
}

// problems are what indexing left out, as Problems reports them.
func (t *tarFS) problems() []error {
	var ps []error
	if t.odd > 0 {
		ps = append(ps, fmt.Errorf("%d members left out: a name of %d bytes or more or with a component of more than %d, or a symlink target of %d bytes or more, which no file system holds (the first: %s)",
			t.odd, pathMax, nameMax, pathMax, shortName(t.firstOdd)))
	}
	if st := t.stop; st != nil && st.err != nil {
		at := ""
		if st.name != "" {
			at = " (" + shortName(st.name) + ")"
		}
		where := fmt.Sprintf("reading stopped at member %d%s", st.ord+1, at)
		if st.end {
			where = fmt.Sprintf("after its %d members", st.ord)
		}
		ps = append(ps, fmt.Errorf("%s: the archive ends early or is damaged (%v): %w", where, st.err, ErrPartial))
	} else if st != nil {
		why := fmt.Sprintf("where the index would pass %d MiB (names, link targets and %d bytes an entry)", t.limits.index>>20, entryCost)
		if st.ord >= t.limits.headers {
			why = fmt.Sprintf("past %d headers", t.limits.headers)
		}
		ps = append(ps, fmt.Errorf("reading stopped at member %d (%s), %s: %w", st.ord+1, shortName(st.name), why, ErrPartial))
	}
	return ps
}

// shortName is a member name quoted for a message, cut to 100 bytes.
func shortName(name string) string {
	if len(name) > 100 {
		cut := 100
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		return fmt.Sprintf("%q… (%d bytes)", name[:cut], len(name))
	}
	return fmt.Sprintf("%q", name)
}

// entry makes the index entry of hdr, or returns nil for a header that
// creates nothing (global PAX header, unknown type, hard link to nothing).
func (t *tarFS) entry(hdr *tar.Header, ord int) *tarEntry {
	perm := fs.FileMode(hdr.Mode).Perm()
	sec, nsec := hdr.ModTime.Unix(), int32(hdr.ModTime.Nanosecond())
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		return &tarEntry{mode: perm, size: hdr.Size, mtime: sec, nsec: nsec, ord: int32(ord)}
	case tar.TypeDir:
		return &tarEntry{mode: fs.ModeDir | perm, mtime: sec, nsec: nsec}
	case tar.TypeSymlink:
		return &tarEntry{mode: fs.ModeSymlink | 0o777, text: hdr.Linkname, mtime: sec, nsec: nsec}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return &tarEntry{mode: hdr.FileInfo().Mode(), mtime: sec, nsec: nsec}
	case tar.TypeLink:
		// A hard link shares the entry of the member it names, as extraction
		// links it to the file already written; a later duplicate of that
		// member does not change it. A link to nothing is not created.
		target := t.files[t.stripped(hdr.Linkname)]
		if target == nil || target.mode.IsDir() {
			return nil
		}
		return target
	}
	return nil
}

// place returns where the member name lands and creates its implied parent
// directories. Extraction writes through a symlinked parent directory, so a
// member etc/foo read after a symlink etc -> private/etc lands in
// private/etc/foo.
func (t *tarFS) place(f *FS, name string) string {
	dir := parent(name)
	if t.underSymlink(dir) {
		if r, err := f.resolve(dir, true); err == nil {
			if e := t.files[r]; e != nil && e.mode.IsDir() {
				name = join(r, name[len(dir)+1:])
			}
		}
	}
	for d := parent(name); d != "."; d = parent(d) {
		if t.files[d] != nil {
			break
		}
		t.files[d] = &tarEntry{mode: fs.ModeDir | 0o755}
		t.size += entryCost
	}
	return name
}

// underSymlink reports whether dir or one of its parents is a symlink.
func (t *tarFS) underSymlink(dir string) bool {
	if dir == "." {
		return false
	}
	for i := 0; i <= len(dir); i++ {
		if i == len(dir) || dir[i] == '/' {
			if e := t.files[dir[:i]]; e != nil && e.mode&fs.ModeSymlink != 0 {
				return true
			}
		}
	}
	return false
}

// keep reads the contents of e from r, the archive positioned at its data,
// unless it is over MaxFileSize (ReadFile reports ErrTooLarge from the size)
// or would take the kept total over the limit.
func (t *tarFS) keep(e *tarEntry, r io.Reader) error {
	switch {
	case e.size < 0 || e.size > MaxFileSize:
		return nil
	case t.kept+e.size > t.limits.kept:
		e.why = overLimit
		return nil
	}
	// Read into a buffer of the index's, reused: the string made of it is
	// the one allocation a file costs.
	if int64(cap(t.buf)) < e.size {
		t.buf = make([]byte, max(e.size, 64<<10))
	}
	data := t.buf[:e.size]
	if _, err := io.ReadFull(r, data); err != nil {
		return err
	}
	e.text, e.why = string(data), kept
	t.kept += e.size
	return nil
}

// fill reads the contents of the entries in need, keyed by the ordinal of
// their header, from a second pass over the archive, whose first header
// has the ordinal first (an image's layers count on from the layer below).
func (t *tarFS) fill(tr *tar.Reader, need map[int]*tarEntry, first int) error {
	for ord := first; len(need) > 0; ord++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e := need[ord]
		if e == nil {
			continue
		}
		delete(need, ord)
		if hdr.Size == e.size { // else the archive changed under us: leave it unkept
			if err := t.keep(e, tr); err != nil {
				// Its contents end early (the first pass, which skipped
				// them, stopped at the next header, or the archive changed
				// since): it is not read, nor what follows.
				e.why = cutShort
				if t.stop == nil {
					t.stop = &tarStop{ord: ord, name: hdr.Name, err: err}
				}
				return nil
			}
		}
	}
	return nil
}

func hasKeptPrefix(name string) bool {
	for _, p := range keptPrefixes {
		if strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}
