package process

// Stray is a process found by [Manager.Strays]: a descendant of this
// process that the Manager did not start, outside the process group of the
// child it descends from, or an orphan the process adopted that is still
// in that group (PGID tells them apart). Where the platform has pidfds
// (Linux), a Stray holds one, so that its methods never reach another
// process that reused its pid. Close it when done.
type Stray struct {
	// PID is the process id.
	PID int
	// PGID is the process group the process was in when it was found, 0
	// if that could not be read.
	PGID int
	fd   int  // its pidfd, if held
	held bool // fd is open (the zero Stray holds none)
}

// Signal sends the signal named sig (such as "SIGTERM") to the process. If
// it has exited, the error wraps [ErrNoProcess].
func (s *Stray) Signal(sig string) error {
	n, err := SignalNumber(sig)
	if err != nil {
		return err
	}
	return s.signal(n)
}

// Exited reports whether the process has terminated (a zombie counts).
func (s *Stray) Exited() bool { return s.exited() }

// Close releases the process's pidfd. It is idempotent.
func (s *Stray) Close() { s.close() }
