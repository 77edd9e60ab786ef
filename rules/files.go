package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
)

// LoadFiles loads and validates a rule set held in memory as a map of path
// in the rule directory ("policy.yaml", "lists/ads/spam.txt") to content,
// the form the rule set takes in Redis. Besides LoadDir's checks, every
// path must be policy.yaml or lie under lists/. On failure the error is a
// *ValidationError listing every problem.
func LoadFiles(files map[string][]byte) (*RuleSet, error) {
	fsys := make(fstest.MapFS, len(files))
	var problems []Problem
	for p, data := range files {
		switch {
		case !fs.ValidPath(p) || p == ".":
			problems = append(problems, Problem{File: p, Msg: "is not a valid path in a rule directory; use slash-separated relative paths such as lists/ads/spam.txt"})
		case p != policyFile && !strings.HasPrefix(p, listsDir+"/"):
			problems = append(problems, Problem{File: p, Msg: "is neither policy.yaml nor a list under lists/; remove it or move it under lists/<category>/"})
		default:
			fsys[p] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	rs, err := LoadDir(fsys)
	if len(problems) == 0 {
		return rs, err
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		problems = append(problems, ve.Problems...)
	}
	sortProblems(problems)
	return nil, &ValidationError{Problems: problems}
}

// DefaultFiles returns the embedded default rule set as LoadFiles takes it,
// for seeding a fresh Redis.
func DefaultFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(defaultFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(defaultFS, p)
		if err != nil {
			return err
		}
		files[p] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read default policy files: %w", err)
	}
	return files, nil
}
