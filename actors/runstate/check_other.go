//go:build !unix

package runstate

// openCheckFlags are the flags of openNoWait's open (none here).
const openCheckFlags = 0
