package process

import "time"

// UsageQuery names a service's processes for ServiceUsage.
type UsageQuery struct {
	// PID is the service's main process, which leads its process group.
	PID int
	// Marker is the "NAME=VALUE" entry of the environment that marks
	// the service's processes, as for Manager.Strays; nil for none.
	Marker []byte
}

// Usage is what the processes of one service use now.
type Usage struct {
	// Processes counts the service's live processes (zombies aside).
	Processes int
	// RSS is the sum of their resident memory, in bytes (pages they
	// share are counted once for each of them, as ps's RSS does).
	RSS uint64
	// CPU is the user and system time they have used so far, and that of
	// their children that ended and that they waited for (not that of
	// orphans, which superd or init reaps).
	CPU time.Duration
}
