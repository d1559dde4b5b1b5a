//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// The statuses superd really answers to the definition routes are the
// ones transport/openapi.json lists for them: a dashboard generated from
// the document must know a 409 can come back from GET (a file that is
// not UTF-8, or not a regular file) and DELETE (not a regular file).
func TestOpenAPIListsTheDefinitionConflicts(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service":     "[Service]\nExecStart=/bin/sleep 1000\n",
		"latin.service": "[Unit]\nDescription=caf\xe9\n[Service]\nExecStart=/bin/sleep 1000\n",
	})
	if err := os.Mkdir(filepath.Join(d.dir, "dir.service"), 0o755); err != nil {
		t.Fatal(err)
	}
	d.start()
	d.waitRunning("a")

	doc, err := os.ReadFile(filepath.Join("..", "..", "transport", "openapi.json")) // what superd serves
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &api); err != nil {
		t.Fatal(err)
	}
	ops := api.Paths["/v1/services/{name}/definition"]

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	check := func(op, service string, err error) {
		t.Helper()
		var apiErr *transport.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s definition of %s: %v, want an answer", op, service, err)
		}
		if apiErr.StatusCode != 409 {
			t.Fatalf("%s definition of %s: %d %v, want 409", op, service, apiErr.StatusCode, err)
		}
		if _, ok := ops[op].Responses[strconv.Itoa(apiErr.StatusCode)]; !ok {
			t.Errorf("superd answers %s definition of %s with a %d, which openapi.json does not list", op, service, apiErr.StatusCode)
		}
	}
	_, err = d.client.Definition(ctx, "latin")
	check("get", "latin", err)
	_, err = d.client.Definition(ctx, "dir")
	check("get", "dir", err)
	_, err = d.client.DeleteDefinition(ctx, "dir", "")
	check("delete", "dir", err)
}
