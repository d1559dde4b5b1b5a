// Package runstate keeps the small state file that lets superd survive its
// own death: SIGKILL, the OOM killer or a crash must neither leave services'
// processes running unmanaged nor let a restarted superd run a second
// instance of a service, and the operator's "supers stop" must still hold
// after a restart, as must the "supers start" of a service that superd does
// not start on its own.
//
// The file (typically beside superd's socket, as superd keeps it:
// <socket>.state) records, for each running service, the process
// group superd started ([Record]: leader pid, process group, start time of
// the leader), the boot id, the set of services the operator stopped, the
// set of services with AutoStart=no the operator started (absent when
// empty; see [State.Started]), and the marker id of the file (see below).
// It is JSON:
//
//	{
//	  "version": 1,
//	  "marker": "t1.Q5ZKX3MBN6PDR2YJVTUJ4IJ7GE",
//	  "boot_id": "18ab1e73-8136-4897-85bc-15475fb65b7c",
//	  "stopped": ["batch"],
//	  "started": ["report"],
//	  "processes": [{"service": "web", "pid": 4242, "pgid": 4242, "start_time": 812345}]
//	}
//
// # Use
//
// At startup superd calls [Open], which returns the previous [State], then
// [KillStale] with it before starting anything. It then starts the
// services in State.Started, and every service with AutoStart=yes but
// those in State.Stopped. It gives every service the environment variable
// [MarkerEnv], set to what [Store.Marker] returns for the service's name.
// While running it tells the
// [Store] about each start ([Store.SetRunning]), exit ([Store.ClearRunning])
// and operator stop or start ([Store.SetStopped], and [Store.SetStarted]
// for a service with AutoStart=no, which a stop clears, as does the end of
// its process that the restart policy does not follow with a restart).
//
// # Durability
//
// Every change rewrites the whole file before the method returns: the
// content goes to a new temporary file in the same directory (mode 0600),
// which is fsynced, renamed over the state file, and the directory is
// fsynced. A reader, or a superd started after a crash at any point, sees
// the old file or the new one, never a partial one; a temporary file left
// by an interrupted write is removed by the next Open. A file that cannot
// be parsed anyway is copied aside and ignored but for its marker and its
// stopped services, and written again when the disk takes it; it is fatal
// only as a missing file is: when it holds no marker that can be read (or
// one from before the tags) and a new one cannot be written (a full disk).
// A file that
// another user may have written (see [Open]) is refused: its records decide
// what KillStale kills. A write costs
// two fsyncs (a few milliseconds at most); unchanged state is not
// rewritten.
//
// # Identity of leftover processes
//
// Pids are reused, so a recorded pid alone proves nothing, and KillStale
// only kills what it can prove a previous superd started:
//
//   - a recorded process group whose leader still has the recorded start
//     time (field 22 of /proc/PID/stat, in clock ticks since boot, as given
//     by process.ProcStartTime) and process group, in the same boot;
//   - any process whose environment holds the marker of the previous state
//     file, or, in the same boot, that holds as its stdout or stderr a pipe
//     a record names (see below), and the recorded group of its service if
//     it is a member, or else (then holding both of the record's pipes, see
//     below) its group if that is a session's whose leader is gone or
//     found too (every service leads a session of its own).
//
// The marker is needed because actors/process gives every leader a
// parent-death signal: when superd is SIGKILLed its leaders die with it,
// and the members of their groups (a shell script's background jobs, a
// server's workers) are orphaned in groups without a leader, which a record
// cannot identify. The marker id is random, created with the state file and
// kept in it, so it is the same for every run of superd with that file and
// differs between files; a superd never kills itself or its ancestors.
// (An id from before the tags is replaced at Open; the file keeps it, and
// the old records, until the first write after KillStale:
// State.PreviousMarkers.)
// A record also keeps the inode numbers of the pipes given to the leader as
// its stdout and stderr (Record.Pipes): in the boot the record is from,
// any process that still holds one as its stdout or stderr is the
// service's, though it cleared its environment or wrote over it (a program
// that sets its process title), if it is in the recorded group, which it
// then proves too. Out of it (setsid), the inode number of one pipe proves
// little: the kernel numbers pipes, sockets and the like from one 32-bit
// counter that wraps around, and an unrelated process's pipe may have
// that number now. Such a process is the service's, as a marked process
// is, if it holds both pipes (stdout and stderr, as the leader's
// descendants inherit them) and started at or after the recorded leader.
// The scan for the marker reads each process's stdout and stderr links
// too, once, when there are such records to match, each read bounded as
// an environment's is. A process that lost the marker, and left its group
// (or whose leader is gone), is found only by those pipes: by one of them
// in its recorded group, by both out of it.
//
// Outside Linux there are neither start times nor /proc, and KillStale
// kills nothing.
package runstate
