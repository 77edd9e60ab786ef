package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeYAML decodes a config file into cfg. Unknown keys and values of the
// wrong type are reported by line and YAML path, in the file's own terms:
// yaml's messages name Go types ("field x not found in type main.Config"),
// which mean nothing to an operator.
func decodeYAML(data []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err // a syntax error: yaml's message names the line
	}
	if len(doc.Content) == 0 {
		return nil // an empty file means "all defaults"
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: the file must be a mapping of keys (listen_addr: \":8080\" …), not a %s", root.Line, nodeKind(root))
	}
	lines := map[int]string{} // line → key path, to name the key of a type error
	var errs []error
	checkKeys(root, reflect.TypeFor[Config](), "", lines, &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := root.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				errs = append(errs, errors.New(friendlyTypeError(msg, lines)))
			}
			return errors.Join(errs...)
		}
		return err
	}
	return nil
}

// checkKeys reports every key of the mapping n that t has no field for,
// and recurses into sections.
func checkKeys(n *yaml.Node, t reflect.Type, prefix string, lines map[int]string, errs *[]error) {
	fields := map[string]reflect.StructField{}
	var known []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f
		known = append(known, name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := prefix + k.Value
		f, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if prefix != "" {
				where = "in " + strings.TrimSuffix(prefix, ".")
			}
			*errs = append(*errs, fmt.Errorf("line %d: unknown key %q %s; known keys there: %s (see docs/configuration.md)",
				k.Line, path, where, strings.Join(known, ", ")))
			continue
		}
		lines[v.Line] = path
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			if v.Kind == yaml.MappingNode {
				checkKeys(v, f.Type, path+".", lines, errs)
			} else if !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
				*errs = append(*errs, fmt.Errorf("line %d: %s is a section: write its keys indented below it, not a %s", v.Line, path, nodeKind(v)))
			}
		}
	}
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	}
	return "single value"
}

var (
	typeErrLine = regexp.MustCompile(`^line (\d+): `)
	typeErrInto = regexp.MustCompile(`into (\S+)$`)
)

// friendlyTypeError rewrites one of yaml's "line 3: cannot unmarshal !!str
// `abc` into int64" messages to name the key and the expected form.
func friendlyTypeError(msg string, lines map[int]string) string {
	prefix := ""
	if m := typeErrLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		prefix = m[0]
		if p, ok := lines[line]; ok {
			prefix += keyRef(p) + ": "
		}
		msg = strings.TrimPrefix(msg, m[0])
	}
	if m := typeErrInto.FindStringSubmatch(msg); m != nil {
		msg = strings.TrimSuffix(msg, m[0]) + "where " + goTypeForm(m[1]) + " is expected"
	}
	msg = strings.Replace(msg, "cannot unmarshal ", "cannot read ", 1)
	for tag, word := range map[string]string{"!!str": "text", "!!int": "number", "!!bool": "true/false", "!!seq": "a list", "!!map": "a mapping", "!!float": "number"} {
		msg = strings.ReplaceAll(msg, tag+" ", word+" ")
		msg = strings.ReplaceAll(msg, tag, word)
	}
	return prefix + msg
}

// goTypeForm says in the file's terms what a Go type's value looks like.
func goTypeForm(goType string) string {
	switch {
	case goType == "time.Duration":
		return "a duration like 10s or 4320h"
	case goType == "int" || goType == "int64":
		return "a whole number"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping of key: value"
	case goType == "string" || goType == "main.Secret":
		return "a text value"
	}
	return "a section of key: value lines"
}
