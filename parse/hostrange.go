package parse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Host patterns as ansible-core 2.14 expands them (plugins/inventory:
// parse_address, detect_range, expand_hostname_range): web[01:03] is
// web01 web02 web03 (a begin with a leading zero pads to its width, and
// the end must have the same width), db-[a:c] is db-a db-b db-c, a third
// bound is a step (web[1:9:2]), an empty begin is 0, and the first range
// is expanded before the next ones. A :PORT after the pattern is not part
// of the name.

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandHostPattern returns the host names of pattern.
func expandHostPattern(pattern string) ([]string, error) {
	p := pattern
	if tail := p[strings.LastIndexByte(p, ']')+1:]; strings.Count(tail, ":") == 1 {
		if i := strings.LastIndexByte(p, ':'); i > 0 && isDigits(p[i+1:]) {
			p = p[:i] // host:port
		}
	}
	if strings.HasSuffix(strings.TrimSpace(pattern), ":") {
		return nil, fmt.Errorf("invalid host pattern %s supplied, ending in ':' is not allowed, this character is reserved to provide a port", shortQuote(pattern))
	}
	if !strings.Contains(p, "[") {
		return []string{p}, nil
	}
	var out []string
	err := expandRange(p, &out)
	return out, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// expandRange appends the names of line, whose first [a:b] it expands,
// to out.
func expandRange(line string, out *[]string) error {
	// Python: line.replace('[', '|', 1).replace(']', '|', 1).split('|'),
	// which must give head, range and tail.
	s := strings.Replace(strings.Replace(line, "[", "|", 1), "]", "|", 1)
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return fmt.Errorf("host pattern %s: a range must be [begin:end] or [begin:end:step]", shortQuote(line))
	}
	head, nrange, tail := parts[0], parts[1], parts[2]
	bounds := strings.Split(nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return errors.New("host range must be begin:end or begin:end:step")
	}
	beg, end := bounds[0], bounds[1]
	step := 1
	if len(bounds) == 3 {
		n, err := strconv.Atoi(strings.TrimSpace(bounds[2]))
		if err != nil {
			return fmt.Errorf("host range step %q is not a number", bounds[2])
		}
		step = n
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return errors.New("host range must specify end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		width = len(beg)
		if width != len(end) {
			return errors.New("host range must specify equal-length begin and end formats")
		}
	}
	var seq []string
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if ib >= 0 && ie >= 0 {
		if ib > ie {
			return errors.New("host range must have begin <= end")
		}
		if step <= 0 {
			return errors.New("host range step must not be zero or negative")
		}
		for i := ib; i <= ie; i += step {
			seq = append(seq, asciiLetters[i:i+1])
		}
	} else {
		b, err1 := strconv.Atoi(strings.TrimSpace(beg))
		e, err2 := strconv.Atoi(strings.TrimSpace(end))
		switch {
		case err1 != nil || err2 != nil:
			return fmt.Errorf("host range [%s]: begin and end must be numbers or letters", nrange)
		case step == 0:
			return errors.New("host range step must not be zero")
		case step > 0 && (e-b)/step >= maxInventoryHosts, step < 0 && (b-e)/-step >= maxInventoryHosts:
			return fmt.Errorf("host range [%s] makes more than %d hosts", nrange, maxInventoryHosts)
		}
		// Python's range(b, e+1, step).
		for i := b; step > 0 && i <= e || step < 0 && i > e+1; i += step {
			n := strconv.Itoa(i)
			if width > 0 && len(n) < width {
				n = strings.Repeat("0", width-len(n)) + n
			}
			seq = append(seq, n)
		}
	}
	for _, x := range seq {
		name := head + x + tail
		if len(*out) >= maxInventoryHosts {
			return fmt.Errorf("host pattern %s makes more than %d hosts", shortQuote(line), maxInventoryHosts)
		}
		if strings.Contains(name, "[") {
			if err := expandRange(name, out); err != nil {
				return err
			}
		} else {
			*out = append(*out, name)
		}
	}
	return nil
}
