//go:build !linux

package oracle

import (
	"errors"
	"os"
)

// openPTY is Linux only: the generators run in Linux mount namespaces.
func openPTY() (*os.File, string, error) {
	return nil, "", errors.New("pseudo-terminals for the generators are Linux only")
}
