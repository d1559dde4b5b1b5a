package logsink

import (
	"reflect"
	"unsafe"

	"gopkg.in/natefinch/lumberjack.v2"
)

// stopMill ends the goroutine that lumberjack starts for l (removal of old
// backups; the Sink compresses them itself) the first time l opens a file. lumberjack
// v2.2.1 never ends it: it ranges over the unexported channel millCh, which
// nothing closes, so without this every stream ever written to would leave
// an idle goroutine behind after Sink.Close, one more for each service a
// reload re-creates.
//
// It closes millCh; the goroutine finishes the backup pass it may be in
// and returns. It must only be called once l is closed for good: opening
// l again would send on the closed channel and panic. It does nothing if l
// never opened a file, or if lumberjack's fields are not those it expects;
// TestCloseStopsLumberjack fails then.
func stopMill(l *lumberjack.Logger) {
	f := reflect.ValueOf(l).Elem().FieldByName("millCh")
	if !f.IsValid() || f.Type() != reflect.TypeFor[chan bool]() {
		return
	}
	ch := *(*chan bool)(unsafe.Pointer(f.UnsafeAddr()))
	if ch != nil {
		close(ch)
	}
}
