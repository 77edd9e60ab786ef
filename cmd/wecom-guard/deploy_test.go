package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The deployment files are checked here, without a Docker engine: that
// docker-compose.yml references only files that exist, passes every
// variable the README mentions, mounts the example config it names and
// checks readiness; that the example config is complete and passes serve's
// validation as compose runs it; and that the image runs as a non-root user
// with a writable state directory. .ci/run runs these tests.

const repoRoot = "../.."

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       string            `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Restart     string            `yaml:"restart"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
		Retries     int      `yaml:"retries"`
	} `yaml:"healthcheck"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true) // a key this test does not know is a key it does not check
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// interpolation is Compose's ${VAR:-default} (and ${VAR}, ${VAR-default}).
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// withDefaults resolves interpolations as Compose does with the variables unset.
func withDefaults(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		return interpolation.FindStringSubmatch(m)[2]
	})
}

// knownEnv is every variable the service reads: the keys' names, their
// older names and the _FILE forms of secrets.
func knownEnv() map[string]bool {
	known := map[string]bool{}
	for _, k := range configKeys() {
		for _, n := range k.envNames() {
			known[n] = true
			if k.Secret {
				known[n+"_FILE"] = true
			}
		}
	}
	return known
}

func TestComposeFile(t *testing.T) {
	c := readCompose(t)
	svc, ok := c.Services["wecom-guard"]
	if !ok {
		t.Fatal("no wecom-guard service")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, svc.Build, "Dockerfile")); err != nil {
		t.Errorf("build %q: %v", svc.Build, err)
	}
	known := knownEnv()
	for name, value := range svc.Environment {
		if !known[name] {
			t.Errorf("environment %s is not a variable wecom-guard reads (see `wecom-guard config keys`)", name)
		}
		for _, m := range interpolation.FindAllStringSubmatch(value, -1) {
			if m[1] != name {
				t.Errorf("environment %s takes ${%s}: a misspelt pass-through?", name, m[1])
			}
		}
	}
	// Every variable the README tells people to set must reach the container;
	// the Redis connection is compose's own (its redis service), so the
	// README's REDIS_* settings for other deployments are not passed.
	for _, doc := range []string{"README.md"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`\b[A-Z][A-Z0-9_]{3,}\b`).FindAllString(string(data), -1) {
			if _, passed := svc.Environment[name]; known[name] && !passed && !strings.HasPrefix(name, "REDIS_") {
				t.Errorf("%s mentions %s, which docker-compose.yml does not pass to the container", doc, name)
			}
		}
	}
	// Bind-mounted files exist; the config file serve is told to read is mounted.
	mounted := map[string]string{} // container path → host path
	for _, v := range svc.Volumes {
		parts := strings.Split(withDefaults(v), ":")
		if len(parts) < 2 {
			t.Errorf("volume %q: want SOURCE:TARGET", v)
			continue
		}
		src, dst := parts[0], parts[1]
		mounted[dst] = src
		if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
			if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
				t.Errorf("volume %q: the file it mounts: %v", v, err)
			}
		} else if _, ok := c.Volumes[src]; !ok {
			t.Errorf("volume %q: named volume %s is not declared", v, src)
		}
	}
	i := slices.Index(svc.Command, "--config")
	if i < 0 || i+1 >= len(svc.Command) {
		t.Fatalf("command %q gives no --config", svc.Command)
	}
	if src, ok := mounted[svc.Command[i+1]]; !ok || filepath.Base(src) != "wecom-guard.example.yaml" {
		t.Errorf("--config %s is not the mounted example config (mounts %v)", svc.Command[i+1], mounted)
	}
	if state := svc.Environment["WG_STATE_DIR"]; mounted[state] == "" {
		t.Errorf("WG_STATE_DIR %q is not a mounted volume", state)
	}
	if hc := strings.Join(svc.Healthcheck.Test, " "); !strings.Contains(hc, "/readyz") || !strings.Contains(hc, "health") {
		t.Errorf("healthcheck %q does not ask /readyz", hc)
	}
	if svc.Environment["WG_SANDBOX"] != "${WG_SANDBOX:-}" {
		t.Errorf("WG_SANDBOX is not passed through: %q", svc.Environment["WG_SANDBOX"])
	}
	for dep := range svc.DependsOn {
		if _, ok := c.Services[dep]; !ok {
			t.Errorf("depends_on %s: no such service", dep)
		}
	}
	redis := c.Services["redis"]
	if !slices.Contains(redis.Command, "--appendonly") {
		t.Errorf("redis runs without AOF: %q", redis.Command)
	}
}

// composeEnv is the container's environment as docker-compose.yml gives
// it with the variables of extra set and every other one unset.
func composeEnv(t *testing.T, extra map[string]string) func(string) string {
	svc := readCompose(t).Services["wecom-guard"]
	env := map[string]string{}
	for name, value := range svc.Environment {
		env[name] = interpolation.ReplaceAllStringFunc(value, func(m string) string {
			sm := interpolation.FindStringSubmatch(m)
			if v, ok := extra[sm[1]]; ok {
				return v
			}
			return sm[2]
		})
	}
	return envMap(env)
}

func TestExampleConfig(t *testing.T) {
	example := filepath.Join(repoRoot, "wecom-guard.example.yaml")
	app := map[string]string{
		"WECOM_CORP_ID": "ww0123456789abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cret",
		"WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": testAESKey,
	}
	withHR := map[string]string{"ENFORCEMENT_HR_USERS": "wangfang"}
	for k, v := range app {
		withHR[k] = v
	}
	for _, tc := range []struct {
		name  string
		env   func(string) string
		wants []string // substrings of the error; none: valid
	}{
		{"as it is", envMap(nil), nil},
		{"compose, no .env", composeEnv(t, nil), []string{"WG_SANDBOX=1"}},
		{"compose, sandbox on purpose", composeEnv(t, map[string]string{"WG_SANDBOX": "1"}), nil},
		{"compose, app without HR", composeEnv(t, app), []string{"enforcement.hr", "ENFORCEMENT_HR_USERS"}},
		{"compose, the README's .env", composeEnv(t, withHR), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(example, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			err = checkServeConfig(cfg)
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("checkServeConfig: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("valid, want an error with %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	// Complete: every key is in the file (commented there).
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			path := prefix + n.Content[i].Value
			present[path] = true
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode && len(v.Content) > 0 {
				walk(v, path+".")
			}
		}
	}
	walk(doc.Content[0], "")
	for _, k := range configKeys() {
		if !present[k.Path] {
			t.Errorf("wecom-guard.example.yaml lacks %s", k.Path)
		}
		if !strings.Contains(string(data), k.Env) {
			t.Errorf("wecom-guard.example.yaml does not name %s's variable %s", k.Path, k.Env)
		}
	}
}

func TestDockerImage(t *testing.T) {
	df, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"USER 65532:65532",                             // not root
		"--chown=65532:65532 /out/state /state",        // a named volume there is writable by that user
		"ENV WG_STATE_DIR=/state",                      // and it is where the state goes
		`HEALTHCHECK`,                                  // the image checks itself
		`ENTRYPOINT ["/wecom-guard"]`, `CMD ["serve"]`, // `docker run IMAGE --config …` still means serve
	} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(ignore), "\n")
	for _, want := range []string{".git", ".env", ".wecom-guard/"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}
