package main

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeYAML: no config file, however broken, panics the loader; an
// error names a line or a key.
func FuzzDecodeYAML(f *testing.F) {
	for _, seed := range []string{
		"", "listen_addr: \":1\"\n", "enforcement:\n  hr:\n    users: [a, b]\n", "wecom: ww1\n", "- a\n",
		"archive:\n  limit: many\n", "enforcement:\n  owners:\n    wrA: lisi\n  retention: 10x\n", "{", "a: &x [*x]\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var cfg Config
		_ = decodeYAML([]byte(data), &cfg)
	})
}

// FuzzEnvValue: any value of any variable is either applied or refused
// with an error naming the variable; never a panic.
func FuzzEnvValue(f *testing.F) {
	keys := configKeys()
	for i, seed := range []string{"", "1", "abc", "a=b,c=d", "=,=", "10s", " , ,", "a==b", "\ufeff0"} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		k := keys[int(which)%len(keys)]
		var cfg Config
		err := applyEnv(reflect.ValueOf(&cfg).Elem(), "", envMap(map[string]string{k.Env: value}))
		if err != nil && !strings.Contains(err.Error(), k.Env) {
			t.Errorf("%s=%q: error %q does not name the variable", k.Env, value, err)
		}
	})
}
