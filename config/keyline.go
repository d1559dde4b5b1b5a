package config

// KeyLine returns the 1-based line of the last assignment of key in
// section (as errors name them: "Service", "Unit") of s's file as the file
// is now, or 0 when s has no file, the file cannot be read or assigns no
// such key. A problem found after the file was loaded, such as what a
// check of the service against the machine finds, uses it to point at its
// line.
func (s *Service) KeyLine(section, key string) int {
	if s.File == "" {
		return 0
	}
	return fileKeyLine(s.File, serviceSchema, section, key)
}

// keyLine is KeyLine for d's [Daemon] section.
func (d *Daemon) keyLine(key string) int {
	if d.File == "" {
		return 0
	}
	return fileKeyLine(d.File, daemonSchema, sectionDaemon, key)
}

// fileKeyLine scans the file at path, of the kind sc describes, for the
// last assignment of key in section; 0 if there is none or the file cannot
// be read.
func fileKeyLine(path string, sc *schema, section, key string) int {
	data, err := readFile(path)
	if err != nil || checkEncoding(data) != nil {
		return 0
	}
	as := scan(data, &errorList{file: path}, sc).assignments
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].section == section && as[i].key == key {
			return as[i].line
		}
	}
	return 0
}
