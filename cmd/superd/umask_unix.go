//go:build unix

package main

import "syscall"

// serviceUmask is the umask the services start with, systemd's default
// for UMask=.
const serviceUmask = 0o022

// setServiceUmask makes serviceUmask superd's own umask, which every child
// inherits, whatever the umask superd was started with. The files superd
// creates do not depend on it: each is given its mode explicitly.
func setServiceUmask() { syscall.Umask(serviceUmask) }
