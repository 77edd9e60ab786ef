package store

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestKeySlot checks keySlot against Redis Cluster's reference values
// (the CRC16 check value of "123456789" and the slots the cluster
// specification and CLUSTER KEYSLOT give) and the hash-tag rules.
func TestKeySlot(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want int
	}{
		{"123456789", 0x31C3},
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", keySlot("user1000")},
		{"foo{{bar}}zap", keySlot("{bar")},
		{"foo{bar}{zap}", keySlot("bar")},
		{"{a:b}x", keySlot("a:b")},
	} {
		if got := keySlot(tc.key); got != tc.want {
			t.Errorf("keySlot(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
	// An empty first tag means the whole key is hashed, not the later {bar}.
	if keySlot("foo{}{bar}") == keySlot("bar") {
		t.Errorf("keySlot(foo{}{bar}) took the second tag")
	}
	// On a real cluster, the server agrees for every kind of key we build.
	s := newTestStore(t)
	if !s.Cluster() {
		return
	}
	ctx := context.Background()
	for _, k := range []string{s.keyOutbox(), s.keyCase("C1"), s.keyStatsCounted("2026-01-02"), s.keyStats("2026-01-02"), s.keyMemberPace("zhangsan"), "123456789"} {
		n, err := s.rdb.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != keySlot(k) {
			t.Errorf("CLUSTER KEYSLOT %q = %d, keySlot = %d", k, n, keySlot(k))
		}
	}
}

// scripts names every Lua script of the package. TestEveryOperationIsSlotSafe
// finds the scripts in the source and fails for one missing here, and
// checks that the operations ran each: a new script is slot-checked or the
// test says so.
var scripts = map[string]*redis.Script{
	"takeWindowSlot": takeWindowSlot, "indexByTime": indexByTime, "advanceSeq": advanceSeq,
	"noteOwnerScript": noteOwnerScript, "countWindows": countWindows, "enqueueScript": enqueueScript,
	"ackScript": ackScript, "rescheduleAllScript": rescheduleAllScript, "promoteScript": promoteScript,
	"deadScript": deadScript, "retryDeadScript": retryDeadScript,
	"paceScript": paceScript, "saveRulesScript": saveRulesScript, "seedRulesScript": seedRulesScript,
	"rulesDeltaScript": rulesDeltaScript,
	"compareAndDelete": compareAndDelete, "countStats": countStats,
	"sealScript": sealScript, "renewScript": renewScript, "finishScript": finishScript,
	"retryLeaseScript": retryLeaseScript, "deadLeaseScript": deadLeaseScript,
	"uncountScript": uncountScript, "countFalseAlarmScript": countFalseAlarmScript, "fileOnceScript": fileOnceScript,
	"countOnce": countOnce, "openCaseScript": openCaseScript,
	"commitSetScript": commitSetScript, "deleteSetScript": deleteSetScript,
	"saveDocScript": saveDocScript, "deleteDocScript": deleteDocScript,
	"seenScript": seenScript, "keepScript": keepScript, "waitersScript": waitersScript,
	"noteRoundScript": noteRoundScript,
}

// scriptsInSource lists the package-level variables of the package's
// non-test files that hold a redis.NewScript.
func scriptsInSource(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, v := range vs.Values {
				call, ok := v.(*ast.CallExpr)
				if !ok {
					continue
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "NewScript" && i < len(vs.Names) {
					names = append(names, vs.Names[i].Name)
				}
			}
			return true
		})
	}
	return names
}

// TestEveryOperationIsSlotSafe runs every exported store operation (the
// list is checked against the methods of Store and Pacer, so a new one
// cannot be left out) against a recording client, and proves that every
// command naming several keys, every script and every MULTI/EXEC (with the
// keys WATCHed before it) stays within one Redis Cluster slot — on one
// server too, where Redis would not complain. It also checks every key the
// operations built from hostile ids: bounded, printable, no glob character,
// and no hash tag other than the store's own.
func TestEveryOperationIsSlotSafe(t *testing.T) {
	ops := slotOps()
	var listed []string
	for _, op := range ops {
		listed = append(listed, op.name)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[*Store](), reflect.TypeFor[Pacer](), reflect.TypeFor[*AccessTokens]()} {
		for m := range typ.Methods() {
			name := strings.TrimPrefix(strings.TrimPrefix(typ.String(), "*"), "store.") + "." + m.Name
			if !slices.Contains(listed, name) {
				t.Errorf("%s is not in slotOps (slot_ops_internal_test.go, the outbox's in slot_outbox_internal_test.go): add it, so its commands are slot-checked", name)
			}
		}
	}
	for _, name := range scriptsInSource(t) {
		if scripts[name] == nil {
			t.Errorf("script %s is not in scripts (slot_internal_test.go): add it", name)
		}
	}

	s := newTestStore(t)
	rec := &recorder{}
	s.rdb.AddHook(rec)
	ctx := context.Background()
	for _, op := range ops {
		before := len(rec.units)
		t.Run(op.name, func(t *testing.T) {
			op.run(t, ctx, s)
			rec.mu.Lock()
			units := slices.Clone(rec.units[before:])
			rec.mu.Unlock()
			for _, u := range units {
				var keys []string
				for _, args := range u {
					keys = append(keys, keysOf(t, args)...)
				}
				for _, k := range keys[min(1, len(keys)):] {
					if keySlot(k) != keySlot(keys[0]) {
						t.Errorf("keys of %s are in different slots: %.120q (%d) and %.120q (%d)", cmdNames(u), keys[0], keySlot(keys[0]), k, keySlot(k))
						break
					}
				}
			}
		})
	}
	for name, sc := range scripts {
		if !rec.evals[sc.Hash()] {
			t.Errorf("script %s never ran: give slotOps an operation that runs it", name)
		}
	}
	checked := 0
	for _, args := range rec.all {
		for _, k := range keysOf(t, args) {
			checked++
			checkKey(t, s.prefix, k)
		}
	}
	if checked < len(ops) {
		t.Fatalf("only %d keys recorded: the recorder sees nothing", checked)
	}
}

// checkKey fails for a key outside the store's prefix (DeleteAll and
// deployments sharing a server rely on it), or one that an external id
// could have shaped: longer than the prefix plus a bounded rest, not printable ASCII, holding a glob
// character, or with more than the one hash tag the key builders write.
func checkKey(t *testing.T, prefix, k string) {
	t.Helper()
	const maxKey = 256
	if !strings.HasPrefix(k, prefix) {
		t.Errorf("key %.120q does not start with the store's prefix %q", k, prefix)
	}
	if len(k) > len(prefix)+maxKey {
		t.Errorf("key of %d bytes: %.80q…", len(k), k)
		return
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' || strings.IndexByte("*?[]", k[i]) >= 0 {
			t.Errorf("key %q holds %q", k, k[i])
			return
		}
	}
	if strings.Count(k, "{") > 1 || strings.Count(k, "}") > 1 {
		t.Errorf("key %q has more than one brace pair: an id made a hash tag", k)
	}
}

func cmdNames(u [][]any) string {
	var names []string
	for _, a := range u {
		names = append(names, fmt.Sprint(a[0]))
	}
	return strings.Join(names, " ")
}

// TestHostileIDs: ids that differ only past the raw bound, or only in a
// brace or newline, stay apart; the same hostile id finds its own record.
func TestHostileIDs(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	long := strings.Repeat("a", 10<<10)
	ids := []string{long + "1", long + "2", "x{a}", "x{b}", "x\n", "x", "x*", "~" + keyPart(long + "1")[1:]}
	for _, id := range ids {
		first, err := s.MarkSeen(ctx, id, time.Hour)
		if err != nil || !first {
			t.Fatalf("MarkSeen(%.20q…) = %v, %v; want a first mark for every distinct id", id, first, err)
		}
	}
	for _, id := range ids {
		if again, err := s.MarkSeen(ctx, id, time.Hour); err != nil || again {
			t.Fatalf("MarkSeen(%.20q…) again = %v, %v; want not first", id, again, err)
		}
	}
	// Hashed ids are as long as a SHA-256 in base64url, with the "~" mark.
	if got := keyPart(long); len(got) != 44 || got[0] != '~' {
		t.Errorf("keyPart(10 KB) = %q, want ~ and 43 characters", got)
	}
	for _, plain := range []string{"zhangsan", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "corp/1000002", "archive:m1", "hr-digest:2026-W48"} {
		if got := keyPart(plain); got != plain {
			t.Errorf("keyPart(%q) = %q, want it unchanged (keys of earlier versions must still match)", plain, got)
		}
	}
	// The escaping also holds on a cluster: ids with braces from two users
	// do not share a slot by accident, and a user's keys share theirs.
	a, b := s.keyViolationCounter("u{x}", "c"), s.keyViolationCounter("v{x}", "c")
	if keySlot(a) == keySlot(b) && keySlot(s.keyViolationCounter("u", "c")) == keySlot(a) {
		t.Errorf("keys %q and %q share the slot of user u: a brace in an id made a tag", a, b)
	}
	if keySlot(s.keyReportRate("u{x}")) != keySlot(a) {
		t.Errorf("one user's keys are in different slots")
	}
	if os.Getenv("REDIS_CLUSTER_ADDRS") != "" && !s.Cluster() {
		t.Fatal("REDIS_CLUSTER_ADDRS is set but the store is not on a cluster")
	}
}
