//go:build unix && !linux

package process

// subreaperSupported tells whether setSubreaper has an effect.
const subreaperSupported = false

// setSubreaper does nothing: orphans go to init on this platform.
func setSubreaper(bool) error { return nil }
