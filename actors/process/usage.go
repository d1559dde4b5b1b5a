package process

import "time"

// Usage is what the processes of one process group use now.
type Usage struct {
	// Processes counts the group's live processes (zombies aside).
	Processes int
	// RSS is the sum of their resident memory, in bytes (pages they
	// share are counted once for each of them, as ps's RSS does).
	RSS uint64
	// CPU is the user and system time they have used so far, and that of
	// their children that ended and that they waited for (not that of
	// orphans, which superd or init reaps).
	CPU time.Duration
}
