package upstart

import (
	"slices"
	"strings"
)

// This file is what a job's own events carry (docs/upstart.md "Job
// events and the variables they carry"): job_emit_event in upstart's
// init/job.c builds starting, started, stopping and stopped from JOB,
// INSTANCE, RESULT (with PROCESS and EXIT_STATUS or EXIT_SIGNAL for a
// failure) and the variables the job exports, and from nothing else.

// isJobEvent reports whether event is one of a job's own events.
func isJobEvent(event string) bool {
	switch event {
	case "starting", "started", "stopping", "stopped":
		return true
	}
	return false
}

// isStopEvent reports whether event is stopping or stopped, the events
// that carry RESULT.
func isStopEvent(event string) bool { return event == "stopping" || event == "stopped" }

// jobEventEnv is what event of job carries: JOB and INSTANCE first (an
// instance's name is not known here), then, for stopping and stopped,
// RESULT=ok, or for a failure RESULT=failed, PROCESS and EXIT_STATUS or
// EXIT_SIGNAL (either may be set: not known), then each exported
// variable, whose value comes from what started the job and is not known
// here.
func jobEventEnv(job *Job, event string, failed bool) []string {
	env := []string{"JOB=" + job.Name, "INSTANCE=" + unknownIf(job.Instance != "")}
	if isStopEvent(event) {
		if failed {
			env = append(env, "RESULT=failed", "PROCESS="+unknownValue, "EXIT_STATUS="+unknownValue, "EXIT_SIGNAL="+unknownValue)
		} else {
			env = append(env, "RESULT=ok")
		}
	}
	for _, v := range job.Export {
		name, _, _ := strings.Cut(v, "=")
		env = append(env, name+"="+unknownValue)
	}
	return env
}

// carried lists the variables upstart puts in event of any job, for
// messages.
func carried(event string) string {
	if isStopEvent(event) {
		return "JOB, INSTANCE, RESULT (PROCESS and EXIT_STATUS or EXIT_SIGNAL when it fails)"
	}
	return "JOB, INSTANCE"
}

// uncarried returns the first variable that args want set (KEY=GLOB)
// and that event of job does not carry, or "".
func uncarried(job *Job, event string, args []string) string {
	env := jobEventEnv(job, event, true)
	for _, a := range args {
		if k, _, ok := strings.Cut(a, "!="); ok && !strings.Contains(k, "=") {
			continue
		}
		k, _, ok := strings.Cut(a, "=")
		if !ok {
			continue
		}
		if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") }) {
			return k
		}
	}
	return ""
}

// jobEventWhy says why an event of an existing job that the arguments
// args match no way in this boot never happens, and whether it never
// happens in any boot (never): the arguments fit no event of the job, or
// want a variable it does not carry; else the event happens only when
// the job fails, or only when something stops a job that stays running.
func jobEventWhy(job *Job, event string, args []string) (why string, never bool) {
	if !matchEnv(args, []string{"JOB=" + job.Name, "*=" + unknownValue}) {
		return noMatch, true
	}
	if k := uncarried(job, event, args); k != "" {
		return "never happens: " + event + " " + job.Name + " carries only " + carried(event) + " and the variables " + job.Name + " exports, and " + job.Name + " does not export " + k, true
	}
	if !matchEnv(args, jobEventEnv(job, event, false)) {
		if isStopEvent(event) && matchEnv(args, jobEventEnv(job, event, true)) {
			return "happens only when " + job.Name + " fails", false
		}
		return noMatch, true
	}
	return "happens only when something stops " + job.Name + ": " + runsOn(job), false
}

// noMatch is why a job event whose arguments fit no job never happens.
const noMatch = "matches no job's event (a job event carries JOB, then INSTANCE)"
