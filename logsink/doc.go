// Package logsink captures the stdout and stderr of one supervised service
// into size- and time-rotated files, <dir>/stdout.log and <dir>/stderr.log,
// written through gopkg.in/natefinch/lumberjack.v2.
//
// A [Sink] belongs to one service and outlives that service's processes:
// before each start the caller asks [Sink.Pipes] for a fresh pair of pipes,
// hands the write ends to the child and closes them in the parent. The data
// path is
//
//	child ─pipe─▶ reader goroutine ─bounded queue─▶ writer goroutine ─▶ lumberjack ─▶ file
//
// with one reader goroutine per pipe, or one [Poller] reading the pipes of
// any number of Sinks (see [Options.Poller]), and, per stream, a writer
// goroutine that runs only while there is something to write or rotate.
//
// # Backpressure, bounded
//
// A reader goroutine reads whatever the child wrote (up to 64 KiB at a time)
// and appends it to its stream's queue. The queue is bounded by
// [Options.QueueBytes], counting every byte that is not yet written to disk;
// the writer frees room after each write to the file. Two rules balance each
// other:
//
//   - Nothing is lost while the disk keeps up on average. When a chunk does
//     not fit, the reader waits for room (a Poller holds the chunk and stops
//     reading that pipe, and only that one, until there is room), so the pipe
//     fills and the child's write blocks briefly, exactly as if it wrote to a
//     plain file: a child writing faster than the disk is slowed down to its
//     pace.
//   - Logging never blocks a child for long. The reader waits at most
//     [Options.MaxBlock] (1s by default); then it drops the chunk, counts it
//     ([Sink.Stats]) and reports [ErrQueueFull]. From then on the stream's
//     output is dropped at once, without waiting, until the writer finishes
//     a write again, so a hung or stalled disk costs the child about MaxBlock
//     once, not per write, and its pipe keeps draining.
//
// A full, read-only or vanished disk makes writes fail rather than hang; the
// writer drops what it cannot write (see Failures), which frees room at once.
// Each stream, and each Sink, has its own queue and writer, so a stalled
// stream holds up neither the other stream nor any other service. Sinks may
// also share a [Budget] ([Options.Budget]), which bounds what their queues
// hold together: output that finds it spent is dropped and counted at once
// ([ErrBudgetFull]), so that many stalled streams cannot take all memory. A reader
// ends when every write end of its pipe is closed (EOF); a pipe kept open by a
// grandchild keeps its reader until [Sink.Close].
//
// A restart keeps the order too: [Sink.Pipes] first queues what the earlier
// pipes hold (the previous process's last output, which a slow disk left
// there, and the chunk read from them waiting for room), past the queue's
// bound if need be, at most about 1 MiB per pipe, so that it comes before
// anything the next process writes. Left in the pipe, it would be read in turn
// with the next process's output, which would land in the middle of it. (Not on
// Windows, where a pipe cannot be read without blocking.)
//
// # Sharing one reader: the Poller
//
// On Linux a [Poller] reads the pipes of all Sinks given it with a single
// goroutine, instead of one goroutine per pipe; nothing else changes. Each
// read end is registered, edge-triggered, with one epoll instance. When a
// pipe has new data the Poller reads it until it would block, but at most
// four 64 KiB chunks in a row: a pipe still readable then is queued again
// behind the others ready by then, so that a flooding pipe cannot starve
// them. The Poller never waits for anything but readiness, so that no stream
// can delay another: a chunk that finds its queue full is held and its pipe
// left unread (its child blocks once the pipe is full) until the stream's
// writer frees room, or until MaxBlock passes (a runtime timer), after which
// the chunk is dropped and the queue stalled exactly as described above. At
// Close a Sink's pipes are read until EOF for at most 100ms, as without a
// Poller; [Poller.Close] does the same to every pipe it still reads, then
// stops its goroutine.
//
// The Poller's goroutine waits for the epoll descriptor itself in the
// runtime's netpoller (an epoll descriptor is readable while any of its
// descriptors is ready), then takes the ready events without blocking: an
// idle Poller holds no OS thread and no buffer and never wakes up. The price
// is a second level of epoll: each time a pipe becomes readable, the kernel
// reports it through both, and the Poller asks its own epoll instance which
// pipe it is, a system call a reader goroutine does without. (A reader
// goroutine, in turn, reads once more to see that the pipe is empty, which
// the Poller can skip when a single short read emptied it.)
//
// OnError may be called from the Poller's goroutine: it must not block, or
// it holds up the pipes of every Sink. Elsewhere than on Linux, [NewPoller]
// returns an error matching errors.ErrUnsupported, and Sinks keep their own
// reader goroutines.
//
// # Idle cost
//
// A service that writes nothing costs its Sink two parked goroutines, the
// pipe readers (none with a Poller), and a few KiB of heap, so that a
// thousand idle services fit in a few MiB:
//
//   - A reader waits for its pipe in the runtime's netpoller (so no OS
//     thread is held per pipe) without a buffer: on Unix it waits for
//     readability through the pipe's RawConn and takes a 64 KiB buffer only
//     to read what is there. Buffers come from a pool shared by all Sinks; a
//     short read is copied out and its buffer returned at once. (Elsewhere a
//     reader holds a buffer during its blocking read.) A Poller's pipe costs
//     a small record in the Poller and no goroutine; it, too, takes a buffer
//     only to read.
//   - A stream's writer goroutine is started when output is queued, a
//     rotation is due or the Sink closes, and exits once its queue is empty;
//     its coalescing buffer comes from the same pool and goes back after each
//     batch.
//   - The RotateEvery timer is a runtime timer (time.AfterFunc), not a
//     goroutine; it starts the writers to rotate.
//   - lumberjack opens a file, and starts its goroutine, only at the first
//     write to it: Open creates and checks the files with its own calls.
//     When a pipe of a stream ends (its process is gone), the file is closed
//     once what the pipe held is written, so that a service that exited or
//     was stopped holds no log file open (one removed by hand frees its
//     disk space at once); the next output opens it again. A rotation
//     meanwhile (RotateEvery) leaves the new file closed too.
//
// # Byte exactness
//
// Output is copied verbatim: no line splitting, no scanning, so partial lines,
// arbitrarily long lines and binary data arrive unchanged. There are two
// exceptions. [Options.Timestamps] has the writer put a stamp before the
// first byte of each line. And the output of each [Sink.Pipes] pair (each
// process) starts on a line of its own: if the output queued before,
// from earlier pipes, ends in the middle of a line, or, for the first
// pipes, the file the Sink was opened on does (left so by an earlier
// Sink), the writer ends that line with a newline first (without it, a
// process killed in the middle of a line would have the next process's
// first line glued to it, without a stamp of its own); if that line is in
// a file rotated since, the newline is the new file's first byte, so that
// the files read in order (as every reader of the logs reads them) keep
// the lines apart. A rotation by time or by [Sink.Rotate] ends the last
// line of the file it moves away, if unfinished, when no pipe of the
// stream is open (its process is gone, or it was left by an earlier
// Sink): no process can finish it, and the new file starts clean. With
// Timestamps, so does
// the output after a gap (output dropped because the queue stayed full or
// the Budget was spent): the line the gap cut is ended, and the next
// starts with its stamp. Nothing else is changed. The writer
// coalesces small chunks and writes at most 64 KiB per call, well below
// lumberjack's rejection threshold (MaxSize).
//
// # Rotation
//
// The Sink rotates by itself, so that it controls every file it creates: when
// the next write would take the live file past [Options.MaxSize] (files never
// exceed it unless a single write is larger than MaxSize, a file already
// full when the Sink opened it, left by a larger MaxSize, gets the newline
// that ends its last line, or a rotation fails: the output then goes on
// into the live file, past MaxSize, rather than be dropped, and the
// failure is reported, dropping nothing), on the
// [Options.RotateEvery] timer and on [Sink.Rotate]. An empty file is never
// rotated. A rotation by size comes between two lines when it can: the
// live file first takes the write up to its last newline that fits, so a
// line is split between two files only if it would take the file past
// MaxSize. A rotation by time or by Rotate comes after what is written,
// so a line the service has not finished writing yet goes on in the new
// file (one that no process can finish any more is ended first: see Byte
// exactness). A rotation renames the live file to lumberjack's backup name,
// stdout-2006-01-02T15-04-05.000.log (UTC), and creates a fresh live file; if
// a backup of that millisecond or a later one already exists (also
// compressed: two rotations within a millisecond, or a backup made before
// the clock was set back), the new one is stamped a millisecond after the
// newest, so that no backup is ever overwritten and the stamps keep the
// order the backups were made in. Lumberjack then
// opens the new file, which is when it applies MaxBackups and MaxAge to the
// backups; its own size rotation is configured above MaxSize and acts only
// as a safety net. lumberjack counts MaxAge in whole days, so the Sink
// itself also removes the backups older than MaxAge, at Open and at each
// rotation. With Compress, the Sink gzips each backup in the background
// (see compressor; lumberjack's compression could not be waited for and
// lost backups when a Sink was re-created while it ran); Close interrupts
// it and the next Sink finishes it; [Options.Compressors] bounds how many
// files the Sinks sharing it compress at once. Opening an existing log file appends to
// it.
// The RotateEvery timer's first rotation comes when the older non-empty live
// file has been live for RotateEvery, counted from its stream's newest backup (or the
// file's creation), so that a Sink opened again keeps the schedule.
//
// # File safety
//
// The directory (and any missing parent) is created with mode 0750 and log
// files with mode 0640, whatever the umask, compressed backups included. At
// Open, and before a log file is opened (at the first write, after a
// rotation, after an error), its path is checked with Lstat:
// a symlink or other non-regular file found there is removed (the link
// itself, never its target) and replaced by a new regular file created with
// O_CREATE|O_EXCL|O_NOFOLLOW; [ErrUnsafeFile] is reported. Before each batch of writes the writer checks
// that the path still names the file it opened; if the file was removed,
// renamed or replaced, it reopens the path the same way (and if it was
// truncated, as by logrotate's copytruncate, it counts its size again, so
// the next rotation by size waits for MaxSize). What remains is the
// window between that check and lumberjack's open, which only someone who
// can write to the directory can use: so, on Unix, each time it is about to
// open a log file the Sink refuses a directory (an existing one included)
// that belongs to a user other than root and its own, or that every user
// or a group other than root's and its own may write in (or whose parent,
// the log dir holding every service's directory, such a group may; or, for
// a directory that is a symlink, the directory holding its target), or that has an
// ancestor belonging to another user or writable by every user and not
// sticky (like /tmp); a directory reached through a symlink is checked
// along the link's path and along its target's. Open fails, and a later
// open drops the output and reports why.
//
// # Failures
//
// A failed write or open drops the data, counts it, records the error in
// [Sink.Stats] and reports it through [Options.OnError] at most once per
// second per stream; what that leaves out (later errors, output dropped
// since) is reported by one more call a second later, and by Close, so
// that the last count of dropped bytes is always told. Once a write
// succeeds again, [Options.OnResume] tells the bytes dropped since the
// stream last resumed, under the same limit (and stands for OnError's
// trailing call).
//
// A write that fails after writing part of its data (a full disk takes
// it up to its last free block) has the file truncated to the end of the
// last line it wrote whole, or to where it began if it wrote none, and
// what it cut counted as dropped, so that the bytes dropped are exactly
// those missing from the file. That cuts back the piece of a line that
// write left, when the path still names that file at the size written
// (else the file is left alone, the piece counted as written): whole
// lines when the service writes whole lines. A write that began in the
// middle of a line (a line longer than a write, or a service whose stdio
// flushes blocks of a fixed size) is cut back to where it began, itself
// in that line.
//
// An open of the live file that fails (no descriptor left) leaves the file
// where it is: lumberjack, which then moves it to a backup of its own, is
// undone, so that no backup is made, nor an older one removed for
// MaxBackups, by failures.
//
// The next write tries again from scratch (creating the directory and file
// if they are gone), so logging resumes by itself once the disk accepts
// writes again; after a failure for lack of a resource (a full
// disk or quota, no free descriptor, a file system read-only for now),
// output is dropped without trying for
// 100ms, since trying costs far more than writing. For the same reason
// [Open] does not fail when the directory or the files cannot be created
// for lack of a resource: the service runs, and its output is dropped until
// they can be.
//
// A disk that hangs makes no call fail: it blocks it. Writes are the
// writers' and block only them (see Backpressure). So that Open does not
// block its caller either, [Options.OpenWait] bounds its wait: past it,
// Open returns a Sink whose directory and files are still being prepared
// in the background, and whose output waits in its queues until they are
// ([Sink.Ready]). [Options.After] makes a service's new Sink wait for its
// previous one to be closed before it touches the files, so that two Sinks
// never write the same files, without making Open wait longer than
// OpenWait. [Options.Preparers] bounds how many Sinks prepare their files
// at once.
//
// # Reading the logs
//
// [Tail] reads a log file for GET /v1/services/{name}/logs and supers logs:
// its last lines, found by reading backwards from the end in 64 KiB blocks,
// and with [TailOptions.Follow] everything written afterwards, byte for byte.
// When the live file holds fewer lines than asked, the rest come from its
// rotated files, newest first (plain ones read backwards, gzipped ones
// counted, then read again), looking through at most 256 MiB of them.
// Nothing is buffered: each Read reads from the file at the reader's offset,
// so a slow client holds an open file, not memory.
//
// A follower watches the file's directory with fsnotify (inotify, kqueue),
// and on Linux the directory above it too, for its renaming or removal
// (an ancestor's rename raises no event below it), and never polls:
// events only wake Read, which then reads to the end of what
// there is, so merged or lost events (an overflow makes it look at everything
// again) cost nothing. Followers given the same [Watcher]
// ([TailOptions.Watcher]) share one fsnotify watcher and its one goroutine,
// which hands each event only to the followers of the directory it is
// about: Linux allows a user 128 inotify instances by default
// (fs.inotify.max_user_instances), for all of the user's programs, so a
// program serving many followers must give them one Watcher. The Watcher
// starts its fsnotify watcher with the first follower and stops it with
// the last one; if it cannot (the user's instances or watches are used
// up), Tail fails with an error that says which limit was reached, and the
// next follower tries again. At the end of the live file it checks the
// path:
//
//   - A shorter file was truncated: reading starts again at offset 0,
//     unless it is the Sink's own cut of a piece of a line a failed write
//     left (see above): a file shorter by at most one write's data, whose
//     last bytes before the new size are those read there before. Then the
//     reader goes on from the new size, ending with a newline the line it
//     sent in part.
//   - A path naming another file, or none, means a rotation (or a rename or
//     removal by hand). Whoever wrote the old file stopped before that, so
//     the old file is read to its end first; the reader then goes on with
//     the rotated files newer than it, oldest first (plain, or gzipped once
//     the plain one is gone), and last the new live file from offset 0. So a
//     reader that falls behind by several rotations reads them all, once and
//     in order, as long as MaxBackups and MaxAge keep them. The old file
//     named by the path again (moved away and back) is read on from where
//     the reader was, not again from its start.
//   - A missing file or directory is waited for, watching the deepest
//     existing ancestor until the directory appears.
//
// A follower given [TailOptions.Finish] stops following once it is closed:
// it reads what the log holds then (the rest of the file it reads, the
// rotated files after it, the live file to its end), by path, without its
// Watcher, and ends. superd closes it at shutdown, once the services' last
// output is written, so that a follower gets all of it.
//
// A follower never keeps a removed file open, even while nobody calls Read
// (a client that does not read its answer, a suspended supers logs -f):
// when a file of its directory is removed, it closes the file it reads if
// that file has no name left, so that the disk space is freed at once. When
// it reads again, it goes on where it stopped in the file's compressed copy,
// if the file was removed once compressed; else (MaxBackups, MaxAge, or a
// removal by hand) it skips what it had not read of the file, logs how many
// bytes that was, and goes on with the oldest file there is, as it does with
// a rotated file removed before it got to it; a line it had sent in part
// is first ended with a newline, so that it does not run into the next
// one. So a follower that falls behind by more than the retention keeps
// loses the oldest output, never the disk space.
//
// Rotated files are recognised by name, stdout-<stamp>.log[.gz], and ordered
// by their stamps, which the Sink keeps unique; the one the live file became
// is recognised by identity while it is uncompressed and assumed to be the
// next one once it is compressed. What cannot be seen by the size, a file
// truncated and rewritten past the reader's offset between two looks, is
// read from that offset on, as tail -F does.
//
// # lumberjack's goroutine
//
// lumberjack starts one goroutine per logger (for backup removal) the first time it opens a file, and offers no way to stop it.
// [Sink.Close] stops it all the same (see stopMill), so that a Sink leaves
// no goroutine behind, however often a service's Sink is re-created.
package logsink
