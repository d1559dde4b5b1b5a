# The two commands a newcomer needs:
#   make run    build superd and supers, run superd on examples/basic
#               (socket and logs under ./run/, no root needed)
#   make test   run every test (with the race detector)

GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
export CGO_ENABLED ?= 0
# BIN is where build puts the binaries (and install takes them from).
BIN     ?= bin

# make install: where the binaries, the systemd unit and the (empty)
# configuration directory go. DESTDIR stages the whole tree (packaging).
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR ?= /etc/super

.PHONY: all build run test vet fmt cross clean install uninstall

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/superd ./cmd/superd
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/supers ./cmd/supers

run: build
	@mkdir -p run
	@echo "superd is starting; in another shell: SUPERS_SOCKET=$(CURDIR)/run/superd.sock $(BIN)/supers status"
	$(BIN)/superd --config-dir examples/basic --log-dir run/logs --socket run/superd.sock

test:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	# The user and group lookups again as superd is built (CGO_ENABLED=0:
	# os/user's pure-Go lookup, which compares ids as text).
	CGO_ENABLED=0 $(GO) test -count=1 -run 'Accounts|UserEnv|ResolveCredential|RunAsUser' ./actors ./actors/process

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

cross:
	GOOS=darwin $(GO) build ./...
	GOOS=windows $(GO) build ./...

clean:
	rm -rf bin run

# The unit starts $(BINDIR)/superd with its defaults: services in
# /etc/super, socket /run/super/superd.sock (see examples/systemd).
# install does not build: as root (sudo), go is often not on the PATH, and
# a build would leave root-owned files in the tree. Run make build first.
# The unit's ExecStart= and these recipes split, or run, what a blank or a
# shell's character in these directories would make of them: install and
# uninstall take only plain ones (given to the check through the
# environment, which no such character can break out of).
override INSTALL_DIRS = $(BIN)$(BINDIR)$(CONFDIR)$(UNITDIR)$(DESTDIR)
PLAIN_DIRS = @test -z "$$(printf '%s' "$$INSTALL_DIRS" | tr -d 'A-Za-z0-9._/+-')" || { echo "make $@: BIN, BINDIR, CONFDIR, UNITDIR and DESTDIR may hold only letters, digits and . _ / + -" >&2; exit 1; }

install uninstall: export INSTALL_DIRS := $(INSTALL_DIRS)
install:
	$(PLAIN_DIRS)
	@test -x $(BIN)/superd -a -x $(BIN)/supers || { echo "make install: no $(BIN)/superd or $(BIN)/supers: run 'make build' first (as yourself, not root)" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR)
	@# An existing config dir keeps its mode (install -d would reset it to 0755).
	test -d $(DESTDIR)$(CONFDIR) || install -d -m 0755 $(DESTDIR)$(CONFDIR)
	install -m 0755 $(BIN)/superd $(BIN)/supers $(DESTDIR)$(BINDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' examples/systemd/superd.service > $(DESTDIR)$(UNITDIR)/superd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/superd.service

# The configuration directory and its services are left alone.
uninstall:
	$(PLAIN_DIRS)
	rm -f $(DESTDIR)$(BINDIR)/superd $(DESTDIR)$(BINDIR)/supers $(DESTDIR)$(UNITDIR)/superd.service

# Side-by-side benchmarks of superd, supervisord, PM2, runit, s6 and a bare
# Go loop (cmd/superbench; about 10 minutes on a 2-vCPU VM; results in
# examples/bench/README.md). A peer that is not installed is skipped.
# BENCHFLAGS adds flags, e.g. BENCHFLAGS='-quick -peers superd,loop'.
# The JSON goes to BENCHOUT, outside the tracked files: a full run that is
# published is copied to examples/bench/results.json by hand, with its
# markdown in examples/bench/README.md.
# make bench-deps installs the peers (Debian/Ubuntu, as root: nodejs and
# npm for PM2 too). The Debian packages enable system-wide supervisord and
# runsvdir services; superbench never uses them (it runs its own, in
# temporary directories), but they stay running until disabled
# (systemctl disable --now supervisor runit). Neither target runs in CI.
BENCHOUT ?= run/bench-results.json
.PHONY: bench bench-deps
bench:
	@mkdir -p $(dir $(BENCHOUT))
	$(GO) run ./cmd/superbench -superd-version $(VERSION) -out $(BENCHOUT) $(BENCHFLAGS)

bench-deps:
	apt-get update
	apt-get install -y supervisor runit s6 nodejs npm
	npm install -g pm2
