package config

import (
	"io/fs"
	"reflect"
	"testing"
)

// TestCloneSharesNothing guards against a slice field added to Service but
// not to Clone: every slice, nested ones included, must be a copy.
func TestCloneSharesNothing(t *testing.T) {
	s := New("x", "/bin/true", "a")
	s.Environment = []string{"A=1"}
	s.EnvironmentFiles = []string{"/etc/x.env"}
	m := fs.FileMode(0o27)
	s.UMask = &m
	s.Restart.SuccessExitStatus = ExitStatusSet{Codes: []int{1}, Signals: []string{"SIGUSR1"}}
	s.Restart.PreventExitStatus = ExitStatusSet{Codes: []int{2}, Signals: []string{"SIGUSR2"}}
	s.Restart.ForceExitStatus = ExitStatusSet{Codes: []int{3}, Signals: []string{"SIGHUP"}}
	c := s.Clone()
	if !reflect.DeepEqual(s, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", s, c)
	}
	var visit func(a, b reflect.Value, path string)
	visit = func(a, b reflect.Value, path string) {
		switch a.Kind() {
		case reflect.Struct:
			for i := range a.NumField() {
				visit(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
			}
		case reflect.Slice:
			if a.Len() == 0 {
				t.Errorf("%s: empty in the test: set it so that sharing shows", path)
			} else if a.Pointer() == b.Pointer() {
				t.Errorf("%s: shared by the clone", path)
			}
		case reflect.Pointer:
			if a.IsNil() {
				t.Errorf("%s: nil in the test: set it so that sharing shows", path)
			} else if a.Pointer() == b.Pointer() {
				t.Errorf("%s: shared by the clone", path)
			}
		case reflect.Map:
			t.Errorf("%s: a %s field: teach Clone and this test about it", path, a.Kind())
		}
	}
	visit(reflect.ValueOf(s).Elem(), reflect.ValueOf(c).Elem(), "Service")
}
