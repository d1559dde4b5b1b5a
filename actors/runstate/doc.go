// Package runstate keeps the small state file that lets superd survive its
// own death: SIGKILL, the OOM killer or a crash must neither leave services
// running unmanaged nor let a restarted superd run a second instance of
// them, and the operator's "supers stop" must still hold after a restart.
//
// The file (typically beside superd's socket, such as
// <socket-dir>/superd.state) records, for each running service, the process
// group superd started ([Record]: leader pid, process group, start time of
// the leader) together with the boot id, and the set of services the
// operator stopped. It is JSON:
//
//	{
//	  "version": 1,
//	  "boot_id": "18ab1e73-8136-4897-85bc-15475fb65b7c",
//	  "processes": [{"service": "web", "pid": 4242, "pgid": 4242, "start_time": 812345}],
//	  "stopped": ["batch"]
//	}
//
// # Use
//
// At startup superd calls [Open], which returns the previous [State], then
// [KillStale] with it before starting anything, and starts every service
// except the ones in State.Stopped. While running it tells the [Store]
// about each start ([Store.SetRunning]), exit ([Store.ClearRunning]) and
// operator stop or start ([Store.SetStopped]).
//
// # Durability
//
// Every change rewrites the whole file before the method returns: the
// content goes to a new temporary file in the same directory (mode 0600),
// which is fsynced, renamed over the state file, and the directory is
// fsynced. A reader, or a superd started after a crash at any point, sees
// the old file or the new one, never a partial one; a temporary file left
// by an interrupted write is removed by the next Open. A file that cannot
// be parsed anyway is moved aside and ignored, never fatal. A write costs
// a few fsyncs; unchanged state is not rewritten.
//
// # Identity of leftover processes
//
// Pids are reused, so a recorded pid alone proves nothing. [KillStale] acts
// on a record only if the boot id is the current one and the leader still
// has the recorded start time (field 22 of /proc/PID/stat, in clock ticks
// since boot, as given by process.ProcStartTime) and process group. Outside
// Linux there are no start times, and KillStale kills nothing.
//
// A group whose leader is gone is left alone even if members of it still
// run, since its number may have been reused. On Linux, actors/process
// gives each leader a parent-death signal, so when superd is SIGKILLed the
// leaders die with it: what KillStale finds alive is typically a leader
// that survived (one whose parent-death signal was cleared, for example by
// executing a set-user-ID program), not the members of its group.
package runstate
