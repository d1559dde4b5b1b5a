//go:build !unix

package config

// openNoBlock is 0 where there are no FIFOs to open by path.
const openNoBlock = 0
