// Package upstart reads the upstart jobs of a root and builds the graph
// of the boot upstart 1.x would run (Read). The formats and the
// specifications followed:
//
//   - job.go, stanza.go, expr.go, shell.go: job files, init(5) of upstart
//     1.3 to 1.13, parsed as upstart's parse_job.c does, error messages
//     included (messages.go);
//   - lex.go: the lexical rules of libnih's config parser (nih/config.c);
//   - dir.go: etc/init/**/*.conf and their .override files;
//   - boot.go: the boot, upstart-events(7): which events are emitted,
//     which jobs they start, in what order; scripts.go: what the jobs'
//     scripts do (start, stop, telinit) in the sections that run;
//     ways.go: what makes an event match happen, jobevents.go: what a
//     job's events carry (job_emit_event); conditions.go: a job's
//     condition as edges, without what cannot happen; env.go matches an
//     event's arguments with its environment (event_operator_match,
//     fnmatch); stop.go: the shutdown (--stop);
//   - ChromeOS's upstart: its import and tmpfiles stanzas (stanza.go);
//     docs/upstart.md has every rule and where it comes from;
//   - sysv.go, sysv_rc.go: the rc jobs that run /etc/init.d/rc, and the
//     SysV scripts they run (Ubuntu's /etc/init.d/rc).
//
// Package upstart imports parse/sysv for the scripts the rc jobs run and
// no other init system's package; it never imports render.
package upstart
