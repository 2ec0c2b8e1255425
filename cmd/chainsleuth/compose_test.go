package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// composeFiles are the compose files of the repository. No Docker engine runs them on the machines this
// project is developed on, so what they ask of chainsleuth is checked here against the CLI itself.
var composeFiles = []string{"../../docker-compose.yml", "../../docker-compose.cluster.yml"}

type composeService struct {
	Build       any               `yaml:"build"`
	Image       string            `yaml:"image"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
}

func readCompose(t *testing.T, name string) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f.Services
}

// chainsleuthRuns are the command lines a service of the project's image gives chainsleuth: its command
// (the image's entrypoint is chainsleuth), or the `chainsleuth …` lines of a shell script.
func chainsleuthRuns(s composeService) [][]string {
	switch {
	case s.Build == nil:
		return nil
	case len(s.Entrypoint) == 0:
		if len(s.Command) == 0 {
			return nil
		}
		return [][]string{s.Command}
	case len(s.Entrypoint) == 2 && s.Entrypoint[0] == "/bin/sh" && s.Entrypoint[1] == "-c":
		var out [][]string
		for _, m := range regexp.MustCompile(`chainsleuth((?: [a-z0-9-]+)+)`).FindAllStringSubmatch(strings.Join(s.Command, "\n"), -1) {
			out = append(out, strings.Fields(m[1]))
		}
		return out
	}
	return nil // another program of the image (btcd, devnet)
}

// checkArgs walks args down cmds: each word a subcommand until the first flag, then each --flag one of
// the last command's. It returns what is wrong, or "".
func checkArgs(cmds []*cli.Command, args []string) string {
	var cmd *cli.Command
	i := 0
	for ; i < len(args) && !strings.HasPrefix(args[i], "-"); i++ {
		j := slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(args[i]) })
		if j < 0 {
			if cmd != nil && len(cmd.Subcommands) == 0 {
				break // a positional argument
			}
			return "no command " + strings.Join(args[:i+1], " ")
		}
		cmd, cmds = cmds[j], cmds[j].Subcommands
	}
	if cmd == nil {
		return "no command"
	}
	if cmd.Action == nil {
		return strings.Join(args[:i], " ") + " needs a subcommand"
	}
	for _, a := range args[i:] {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		if !slices.ContainsFunc(cmd.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), name) }) {
			return strings.Join(args[:i], " ") + " has no flag --" + name
		}
	}
	return ""
}

// envVars are the environment variables chainsleuth reads: those of its flags (at any level) and the
// _FILE variants of the settings that may hold a password.
func envVars(app *cli.App) map[string]bool {
	out := map[string]bool{}
	var walk func([]cli.Flag, []*cli.Command)
	walk = func(flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			if e, ok := f.(interface{ GetEnvVars() []string }); ok {
				for _, v := range e.GetEnvVars() {
					out[v] = true
				}
			}
		}
		for _, c := range cmds {
			walk(c.Flags, c.Subcommands)
		}
	}
	walk(app.Flags, app.Commands)
	for _, s := range fileSettings {
		out[s+"_FILE"] = true
	}
	return out
}

func TestComposeServicesRunCommandsAndFlagsTheCLIHas(t *testing.T) {
	app := newApp()
	known := envVars(app)
	for _, file := range composeFiles {
		runs := 0
		for name, s := range readCompose(t, file) {
			for _, args := range chainsleuthRuns(s) {
				runs++
				if msg := checkArgs(app.Commands, args); msg != "" {
					t.Errorf("%s: service %s runs `chainsleuth %s`: %s", file, name, strings.Join(args, " "), msg)
				}
			}
			for v := range s.Environment {
				if strings.HasPrefix(v, "CHAINSLEUTH_") && !known[v] {
					t.Errorf("%s: service %s sets %s, which chainsleuth does not read", file, name, v)
				}
			}
		}
		if runs == 0 {
			t.Errorf("%s: found no chainsleuth command", file)
		}
	}
}

func TestCheckArgsFindsUnknownCommandsAndFlags(t *testing.T) {
	cmds := newApp().Commands
	for args, want := range map[string]string{
		"ingest btc --follow --confirmations 1 --progress log": "",
		"cluster show 0xabc --chain eth":                       "",
		"ingest btc --folow":                                   "ingest btc has no flag --folow",
		"ingest --follow":                                      "ingest needs a subcommand",
		"ingest doge":                                          "no command ingest doge",
		"scores":                                               "no command scores",
		"score --period-blocks=10 --windows 7d":                "score has no flag --windows",
	} {
		if got := checkArgs(cmds, strings.Fields(args)); got != want {
			t.Errorf("checkArgs(%q) = %q, want %q", args, got, want)
		}
	}
}

// The ClickHouse image's first start with CLICKHOUSE_DB (or init scripts) runs a temporary server on
// 127.0.0.1 that a clickhouse-client healthcheck already finds healthy; services waiting for
// service_healthy then dial the container while that server stops and the real one starts. migrate
// creates the database, so the compose files need neither.
func TestComposeClickHouseIsHealthyOnlyOnceItServes(t *testing.T) {
	for _, file := range composeFiles {
		for name, s := range readCompose(t, file) {
			if !strings.HasPrefix(s.Image, "clickhouse/clickhouse-server") {
				continue
			}
			if _, ok := s.Environment["CLICKHOUSE_DB"]; ok {
				t.Errorf("%s: service %s sets CLICKHOUSE_DB: leave the database to `chainsleuth migrate`", file, name)
			}
			for _, v := range s.Volumes {
				if strings.Contains(v, "/docker-entrypoint-initdb.d") {
					t.Errorf("%s: service %s mounts init scripts: leave the schema to `chainsleuth migrate`", file, name)
				}
			}
		}
	}
}
