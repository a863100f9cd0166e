package graph

// Kind is the directive an edge comes from. Its properties — whether it
// orders the two services and whether the first needs the second — are
// what the analyses look at; the name is what users grep for.
type Kind uint8

// The directives of LSB init scripts (LSB Core 20.3 "Comment Conventions
// for Init Scripts", with Debian's X-Start-Before and X-Stop-After). In a
// stop graph the From service stops before To for Required-Stop and
// Should-Stop, as the script needs To while it stops.
const (
	RequiredStart Kind = iota // needs To, starts after it
	ShouldStart               // starts after To when To starts
	StartBefore               // X-Start-Before: starts before To
	RequiredStop              // stops before To, which must be stopping
	ShouldStop                // stops before To when To stops
	StopAfter                 // X-Stop-After: stops after To
	Sequence                  // the rc link number: starts after the script with the lower number
	StartOn                   // upstart "start on": starts after To (or To's event), and only if it comes
	Hook                      // upstart "start on starting J": From runs while To waits for it, and only if To starts
	StartFrom                 // upstart "start J" in a script of To: From starts after To has started, and only then
	StopOn                    // upstart "stop on" in a shutdown: From stops after To (or To's event), and only if it comes
	StopHook                  // upstart "stop on stopping J" (or starting J) in a shutdown: From stops while To waits for it
	// systemd.unit(5) dependencies: they pull units in and say what a
	// failure does; After= and Before= alone order.
	Requires
	Requisite
	Wants
	BindsTo
	PartOf
	Upholds
	Conflicts
	OnFailure
	SystemdAfter
	SystemdBefore
	// Activates is socket activation (systemd.socket(5)): From is a
	// socket that starts To when a client connects, so a service ordered
	// after the socket can reach To whether or not To has started yet.
	// It neither orders nor needs; the race analysis reads it.
	Activates
	numKinds
)

// Direction says how an edge orders its two services.
type Direction int8

const (
	Unordered Direction = iota
	After               // From starts (or stops) after To
	Before              // From starts (or stops) before To
)

var kinds = [numKinds]struct {
	name    string
	dir     Direction
	needs   bool
	depends bool // From depends on To without this edge ordering them (a race if nothing else does)
}{
	RequiredStart: {"Required-Start", After, true, false},
	ShouldStart:   {"Should-Start", After, false, false},
	StartBefore:   {"X-Start-Before", Before, false, false},
	RequiredStop:  {"Required-Stop", Before, true, false},
	ShouldStop:    {"Should-Stop", Before, false, false},
	StopAfter:     {"X-Stop-After", After, false, false},
	Sequence:      {"sequence number", After, false, false},
	StartOn:       {"start on", After, true, false},
	Hook:          {"start on", Before, true, false},
	StartFrom:     {"start from", After, true, false},
	StopOn:        {"stop on", After, true, false},
	StopHook:      {"stop on", Before, true, false},
	Requires:      {"Requires", Unordered, true, true},
	Requisite:     {"Requisite", Unordered, true, false}, // its race is that it fails: see the systemd builder
	Wants:         {"Wants", Unordered, false, true},
	BindsTo:       {"BindsTo", Unordered, true, true},
	PartOf:        {"PartOf", Unordered, false, false},
	Upholds:       {"Upholds", Unordered, false, true},
	Conflicts:     {"Conflicts", Unordered, false, false},
	OnFailure:     {"OnFailure", Unordered, false, false},
	SystemdAfter:  {"After", After, false, false},
	SystemdBefore: {"Before", Before, false, false},
	Activates:     {"activates", Unordered, false, false},
}

func (k Kind) String() string {
	if k >= numKinds {
		return "unknown"
	}
	return kinds[k].name
}

// Direction returns how an edge of kind k orders From and To.
func (k Kind) Direction() Direction {
	if k >= numKinds {
		return Unordered
	}
	return kinds[k].dir
}

// Needs reports whether From cannot work without To (a hard dependency).
func (k Kind) Needs() bool { return k < numKinds && kinds[k].needs }

// Depends reports whether From depends on To through a directive that
// does not order them (systemd's Wants=, Requires= ... without After=).
func (k Kind) Depends() bool { return k < numKinds && kinds[k].depends }

// Ordering returns the edge as "first, then": the service that must start
// first and the one that waits for it. ok is false for an edge that does
// not order.
func (e Edge) Ordering() (first, then int, ok bool) {
	switch e.Kind.Direction() {
	case After:
		return e.To, e.From, true
	case Before:
		return e.From, e.To, true
	}
	return 0, 0, false
}
