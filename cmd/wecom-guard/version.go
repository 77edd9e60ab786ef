package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version and commit may be set at link time (-ldflags "-X main.version=v1.2.3
// -X main.commit=abc1234"), e.g. by a Docker build whose context has no .git;
// otherwise they come from the module's build information. Nothing writes
// them at run time.
var (
	version string
	commit  string
)

// buildVersion returns the version, the commit (with "+dirty" for a
// modified tree) and the Go version the binary was built with.
func buildVersion() (ver, rev, goVersion string) {
	ver, rev, goVersion = version, commit, "unknown"
	info, ok := debug.ReadBuildInfo()
	if ok {
		goVersion = info.GoVersion
		if ver == "" {
			ver = info.Main.Version
		}
		var dirty bool
		var vcsRev string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev == "" && vcsRev != "" {
			rev = vcsRev
			if dirty {
				rev += "+dirty"
			}
		}
	}
	if ver == "" {
		ver = "(devel)"
	}
	if rev == "" {
		rev = "unknown"
	}
	return ver, rev, goVersion
}

func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usageErrorf("version", "version: unexpected arguments %q", args)
	}
	ver, rev, goVersion := buildVersion()
	_, err := fmt.Fprintf(stdout, "wecom-guard %s\ncommit %s\n%s\n", ver, rev, goVersion)
	return err
}
