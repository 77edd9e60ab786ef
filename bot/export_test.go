package bot

// SetFoldCompiled sets the hook a fold runs between its compile and the
// swap (policy_fold_test.go).
func SetFoldCompiled(p *Policy, f func()) { p.foldCompiled = f }
