package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// osGetenv is the process environment, the getenv of the real commands;
// tests pass maps instead.
func osGetenv(name string) string { return os.Getenv(name) }

// Every configuration key has one environment variable, named by one rule:
// the key's YAML path in upper case with dots and nothing else turned into
// underscores (enforcement.hr.users → ENFORCEMENT_HR_USERS). Values are
// written as in YAML scalars; lists are comma separated ("a, b"), maps are
// comma-separated key=value pairs ("wrA=alice,wrB=bob"), durations use Go's
// units ("10s", "4320h"). A secret may instead be read from a file named by
// the variable with _FILE appended (WECOM_SECRET_FILE=/run/secrets/x): the
// file's content without a trailing line break. A variable that is set
// replaces the YAML value; an empty variable counts as unset.
//
// The table is derived from Config's yaml tags by reflection so it cannot
// fall behind the struct; docs/configuration.md is checked against it.

// configKey is one leaf of the configuration: a YAML path and where its
// value comes from in the environment.
type configKey struct {
	// Path is the YAML path, e.g. "enforcement.hr.users".
	Path string
	// Env is the variable by the naming rule; Aliases are older names that
	// are read as well (interfaces are contracts: none is ever dropped).
	Env     string
	Aliases []string
	// Type is the field's Go type; Secret says whether it holds secrets.
	Type   reflect.Type
	Secret bool
	// Fields: a list split on white space instead of commas (a command line).
	Fields bool
	index  []int
}

// envNames is Env followed by Aliases.
func (k configKey) envNames() []string { return append([]string{k.Env}, k.Aliases...) }

// ref names the key for messages: "enforcement.retention (ENFORCEMENT_RETENTION)".
func (k configKey) ref() string {
	return k.Path + " (" + strings.Join(k.envNames(), " or ") + ")"
}

// legacyEnv lists the variables a key was read from before the naming
// rule; they keep working.
func legacyEnv(path string) []string {
	switch path {
	case "state_dir":
		return []string{"WG_STATE_DIR"}
	case "sandbox_on_redis":
		return []string{"WG_SANDBOX"}
	case "archive.secret", "archive.private_key_file", "archive.proxy", "archive.proxy_password", "archive.notify_command":
		return []string{"WECOM_" + envName(path)}
	}
	return nil
}

// envName applies the naming rule to a YAML path.
func envName(path string) string {
	return strings.ToUpper(strings.NewReplacer(".", "_").Replace(path))
}

var (
	secretType   = reflect.TypeFor[Secret]()
	durationType = reflect.TypeFor[time.Duration]()
)

// configKeys lists every leaf key of Config, in struct order.
func configKeys() []configKey {
	var keys []configKey
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			path := prefix + name
			idx := append(slices.Clone(index), i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, path+".", idx)
				continue
			}
			keys = append(keys, configKey{
				Path: path, Env: envName(path), Aliases: legacyEnv(path), Type: f.Type,
				Secret: f.Type == secretType || (f.Type.Kind() == reflect.Map && f.Type.Elem() == secretType),
				Fields: f.Tag.Get("env") == "fields", index: idx,
			})
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return keys
}

// keyRef is configKey.ref for path; for a section (enforcement.hr) it
// names the variables of the section's keys.
func keyRef(path string) string {
	var envs []string
	for _, k := range configKeys() {
		if k.Path == path {
			return k.ref()
		}
		if strings.HasPrefix(k.Path, path+".") {
			envs = append(envs, k.Env)
		}
	}
	if len(envs) == 0 {
		envs = []string{envName(path)} // not a key: TestKeyRefsAreKeys catches it
	}
	return path + " (" + strings.Join(envs, ", ") + ")"
}

// applyEnv sets every key under prefix ("" for all, "archive." for the
// archive section) whose variable is set. root is the struct the prefix
// names. Every problem is reported, each naming the variable and the key.
func applyEnv(root reflect.Value, prefix string, getenv func(string) string) error {
	var errs []error
	for _, k := range configKeys() {
		if !strings.HasPrefix(k.Path, prefix) {
			continue
		}
		raw, from, err := lookupEnv(k, getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if from == "" {
			continue
		}
		dst := root.FieldByIndex(k.index[strings.Count(prefix, "."):])
		if err := setFromEnv(dst, k, raw); err != nil {
			shown := strconv.Quote(raw)
			if k.Secret {
				shown = "(secret)"
			}
			errs = append(errs, fmt.Errorf("%s=%s (%s): %w", from, shown, k.Path, err))
		}
	}
	return errors.Join(errs...)
}

// lookupEnv finds k's value among its variables and their _FILE forms;
// from is the variable it came from, "" when none is set. Two variables
// of one key with different values are an error rather than a silent pick.
func lookupEnv(k configKey, getenv func(string) string) (raw, from string, err error) {
	for _, name := range k.envNames() {
		var v string
		var src string
		if s := getenv(name); s != "" {
			v, src = s, name
		}
		if k.Secret {
			if file := getenv(name + "_FILE"); file != "" {
				if src != "" {
					return "", "", fmt.Errorf("%s and %s_FILE (%s) are both set: keep one", name, name, k.Path)
				}
				data, err := os.ReadFile(file)
				if err != nil {
					return "", "", fmt.Errorf("%s_FILE (%s): read the secret: %w", name, k.Path, err)
				}
				v, src = strings.TrimRight(string(data), "\r\n"), name+"_FILE"
				if v == "" {
					return "", "", fmt.Errorf("%s_FILE (%s): %s is empty", name, k.Path, file)
				}
			}
		}
		if src == "" {
			continue
		}
		if from != "" && v != raw {
			return "", "", fmt.Errorf("%s and %s (%s) are both set, differently: keep one", from, src, k.Path)
		}
		if from == "" {
			raw, from = v, src
		}
	}
	return raw, from, nil
}

// setFromEnv parses raw into dst by the field's type.
func setFromEnv(dst reflect.Value, k configKey, raw string) error {
	t := dst.Type()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return errors.New("not a duration: use Go's units, e.g. 10s, 30m or 4320h")
		}
		dst.SetInt(int64(d))
	case t.Kind() == reflect.String:
		dst.SetString(raw)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return errors.New("use 1 or 0 (true or false)")
		}
		dst.SetBool(b)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return errors.New("not a whole number")
		}
		dst.SetInt(n)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		items := splitList(raw)
		if k.Fields {
			items = strings.Fields(raw)
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, it := range items {
			s.Index(i).SetString(it)
		}
		dst.Set(s)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String:
		m := reflect.MakeMap(t)
		for _, pair := range splitList(raw) {
			key, val, ok := strings.Cut(pair, "=")
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			if !ok || key == "" || val == "" {
				return errors.New("write the map as comma-separated key=value pairs, e.g. wrA=alice,wrB=bob")
			}
			if m.MapIndex(reflect.ValueOf(key)).IsValid() {
				return fmt.Errorf("key %q is given twice", key)
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), reflect.ValueOf(val).Convert(t.Elem()))
		}
		dst.Set(m)
	default:
		// Only a new Config field of a type not handled here gets here;
		// TestEveryKeyHasAnEnvParser fails first.
		return fmt.Errorf("no environment form for this key's type %s", t)
	}
	return nil
}

// splitList splits a comma-separated list, trimming items and dropping
// empty ones.
func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}
