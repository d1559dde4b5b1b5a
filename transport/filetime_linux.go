package transport

import "syscall"

// statCtime returns st's change time.
func statCtime(st *syscall.Stat_t) syscall.Timespec { return st.Ctim }
