package store

import "fmt"

// Version is a ClickHouse server version.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v >= major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// Modern reports a server that has what 18.16 lacks and the schema may use for
// purely physical gains: LowCardinality without a session flag, column codecs.
// 19.x already had both behind flags; 20.1 is where they are on by default.
func (v Version) Modern() bool { return v.AtLeast(20, 1) }
