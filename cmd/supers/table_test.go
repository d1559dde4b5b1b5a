package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/supers-dev/supers/transport"
)

// tabwriterTable is the table as supers printed it with text/tabwriter,
// which statusTable must reproduce byte for byte. (The cells are those
// statusCells makes: what is compared is the layout.)
func tabwriterTable(services []transport.ServiceStatus) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tPID\tUPTIME\tRESTARTS\tDESCRIPTION")
	for _, s := range services {
		c := statusCells(s)
		fmt.Fprintln(tw, strings.Join(c[:], "\t"))
	}
	_ = tw.Flush()
	return b.String()
}

// tableText returns what statusTable prints for services.
func tableText(t *testing.T, services []transport.ServiceStatus, sorted bool) string {
	t.Helper()
	table := newStatusTable(sorted)
	for _, s := range services {
		table.add(s)
	}
	var b strings.Builder
	if err := table.writeTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// randomText returns a short string drawn from pieces that matter to the
// table: wide and multi-byte runes, control characters, tabs and line
// breaks, invalid UTF-8, long runs.
func randomText(r *rand.Rand) string {
	pieces := []string{"", "a", "web", "ü", "日本", "\t", "\n", "\r\n", "\x1b[31m", "\x00", "\xff", "\xe2\x82", " ", "*",
		strings.Repeat("x", 40), "é?#", "-", "\u2028", "\U0001F600"}
	var b strings.Builder
	for range r.IntN(4) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randomStatus returns a status with random values in every field the
// table shows.
func randomStatus(r *rand.Rand) transport.ServiceStatus {
	states := []string{transport.StateRunning, transport.StateStopped, transport.StateExited, transport.StateBackoff,
		transport.StateFatal, transport.StateExecFailed, transport.StateStarting, "weird\tstate", ""}
	s := transport.ServiceStatus{
		Name:          randomText(r),
		State:         states[r.IntN(len(states))],
		Description:   randomText(r),
		UptimeSeconds: []float64{0, 1, 59.9, 3600, 187200, -3, 1e12}[r.IntN(7)],
		Restarts:      []int{0, 1, 12, 123456789, -1}[r.IntN(5)],
		ConfigChanged: r.IntN(4) == 0,
	}
	if r.IntN(2) == 0 {
		s.PID = []int{1, 77, 4242, 4194304, -5}[r.IntN(5)]
	}
	switch r.IntN(4) {
	case 0:
		s.LastExit = &transport.ExitInfo{Code: intp(r.IntN(256))}
	case 1:
		s.LastExit = &transport.ExitInfo{Signal: "SIG" + randomText(r)}
	}
	if r.IntN(4) == 0 {
		s.Error = randomText(r)
	}
	if r.IntN(4) == 0 {
		s.NextAttemptMS = int64(r.IntN(200_000))
	}
	return s
}

// TestStatusTableMatchesTabwriter compares statusTable with text/tabwriter
// over random tables, in the order given and sorted by name.
func TestStatusTableMatchesTabwriter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		services := make([]transport.ServiceStatus, r.IntN(12))
		for j := range services {
			services[j] = randomStatus(r)
		}
		if got, want := tableText(t, services, false), tabwriterTable(services); got != want {
			t.Fatalf("table %d %+v:\ngot:\n%q\nwant:\n%q", i, services, got, want)
		}
		sorted := append([]transport.ServiceStatus(nil), services...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		if got, want := tableText(t, services, true), tabwriterTable(sorted); got != want {
			t.Fatalf("sorted table %d %+v:\ngot:\n%q\nwant:\n%q", i, services, got, want)
		}
	}
}

// TestStatusTableLarge checks a table of a thousand services, sorted by
// superd or not, against text/tabwriter.
func TestStatusTableLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	services := make([]transport.ServiceStatus, 1000)
	for i := range services {
		services[i] = randomStatus(r)
		services[i].Name = fmt.Sprintf("svc%04d", i)
	}
	// Rows larger than a chunk, and one that leaves a chunk nearly full.
	services[10].Description = strings.Repeat("ü", tableChunkSize)
	services[11].Description = strings.Repeat("d", tableChunkSize-100)
	if got, want := tableText(t, services, true), tabwriterTable(services); got != want {
		t.Errorf("in order: got %d bytes, want %d", len(got), len(want))
	}
	r.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
	if got, want := tableText(t, services, false), tabwriterTable(services); got != want {
		t.Errorf("shuffled, unsorted: got %d bytes, want %d", len(got), len(want))
	}
	shuffled := tableText(t, services, true)
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	if want := tabwriterTable(services); shuffled != want {
		t.Errorf("shuffled, sorted: got %d bytes, want %d", len(shuffled), len(want))
	}
}

// FuzzStatusTable compares statusTable with text/tabwriter on two services
// with fuzzed texts.
func FuzzStatusTable(f *testing.F) {
	f.Add("web", "Web frontend", "db", "exec: \"x\":\nnot found", 4242)
	f.Add("ü", "\xff\t", "", "日本\x1b", 0)
	f.Fuzz(func(t *testing.T, name1, desc1, name2, errText string, pid int) {
		services := []transport.ServiceStatus{
			{Name: name1, State: transport.StateRunning, PID: pid, Description: desc1, UptimeSeconds: 100},
			{Name: name2, State: transport.StateExited, Error: errText, Description: desc1 + name2, ConfigChanged: true},
		}
		if got, want := tableText(t, services, false), tabwriterTable(services); got != want {
			t.Fatalf("got:\n%q\nwant:\n%q", got, want)
		}
	})
}

// A service being stopped still has its process: the table shows its
// uptime, as the JSON does (it showed "-").
func TestStatusCellsUptimeWhileStopping(t *testing.T) {
	for _, tc := range []struct {
		st   transport.ServiceStatus
		want string
	}{
		{transport.ServiceStatus{State: transport.StateRunning, PID: 7, UptimeSeconds: 75}, "1m15s"},
		{transport.ServiceStatus{State: transport.StateStopping, PID: 7, UptimeSeconds: 75}, "1m15s"},
		{transport.ServiceStatus{State: transport.StateStopping}, "-"},
		{transport.ServiceStatus{State: transport.StateExited, UptimeSeconds: 75}, "-"},
	} {
		if got := statusCells(tc.st)[3]; got != tc.want {
			t.Errorf("%s, pid %d: UPTIME %q, want %q", tc.st.State, tc.st.PID, got, tc.want)
		}
	}
}
