// Command initorder reads a machine's init configuration without booting
// it and shows the real boot order, its cycles and the dependencies that
// can never be met.
package main

import "os"

func main() { os.Exit(Main()) }
