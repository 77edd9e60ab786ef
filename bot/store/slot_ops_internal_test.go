package store

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// slotOp is one exported store operation, run by TestEveryOperationIsSlotSafe.
type slotOp struct {
	name string // the method, as Store.Name or Pacer.Name
	run  func(t *testing.T, ctx context.Context, s *Store)
}

// hostile is an externally supplied id as an attacker would send it: far
// too long, with a newline, glob characters and a would-be hash tag.
var hostile = strings.Repeat("m", 10<<10) + "\n*?[x]{evil}{" + "}"

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// slotOps runs every exported operation, in an order that gives each the
// data it needs, mostly with hostile ids.
func slotOps() []slotOp {
	now := time.Now()
	var tok APIToken
	var secret, session, memberSession string
	ops := []slotOp{
		{"Store.ObserveCommands", func(t *testing.T, ctx context.Context, s *Store) {
			var seen atomic.Int64
			s.ObserveCommands(func(string, time.Duration, bool) { seen.Add(1) })
			must(t, s.Ping(ctx))
			if seen.Load() == 0 {
				t.Fatal("the observer saw no command")
			}
		}},
		{"Store.Ping", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.Ping(ctx)) }},
		{"Store.Options", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Options() }},
		{"Store.Cluster", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Cluster() }},
		{"Store.Embedded", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Embedded() }},
		{"Store.Prefix", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Prefix() }},
		{"Store.Addr", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Addr() }},
		{"Store.MarkSeen", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.MarkSeen(ctx, hostile, time.Hour)
			must(t, err)
		}},
		{"Store.Seen", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Seen(ctx, hostile); must(t, err) }},
		{"Store.ForgetSeen", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.ForgetSeen(ctx, hostile)) }},
		{"Store.SetToken", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.SetToken(ctx, hostile, "tok", time.Minute))
		}},
		{"Store.GetToken", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.GetToken(ctx, hostile); must(t, err) }},
		{"Store.DeleteToken", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.DeleteToken(ctx, hostile, "tok")) }},
		{"Store.Lock", func(t *testing.T, ctx context.Context, s *Store) {
			unlock, ok, err := s.Lock(ctx, hostile, time.Minute)
			must(t, err)
			if ok {
				unlock()
			}
		}},
		{"Store.CountViolation", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.CountViolation(ctx, hostile, hostile, hostile, now, []time.Duration{time.Hour, 24 * time.Hour})
			must(t, err)
		}},
		{"Store.SaveViolation", func(t *testing.T, ctx context.Context, s *Store) {
			for _, id := range []string{hostile, "v-plain"} {
				v := Violation{ID: id, Time: now, From: hostile, ChatID: hostile, Severity: "high", Hits: []VHit{{Category: hostile}}}
				must(t, s.SaveViolation(ctx, v, 48*time.Hour))
			}
		}},
		{"Store.TallyViolation", func(t *testing.T, ctx context.Context, s *Store) {
			windows := []time.Duration{time.Hour, 24 * time.Hour}
			for range 2 { // counts, then finds it counted
				tl, err := s.TallyViolation(ctx, hostile+"t", hostile, []string{hostile, "ads"}, now, windows, time.Hour)
				must(t, err)
				if tl.Seen || len(tl.Counts) != 2 || tl.Counts[1][0] != 1 {
					t.Fatalf("TallyViolation = %+v; want one count in ads", tl)
				}
			}
			// A message marked seen is counted, then taken back (uncount).
			_, err := s.MarkSeen(ctx, "seen-"+hostile, time.Hour)
			must(t, err)
			if tl, err := s.TallyViolation(ctx, "seen-"+hostile, hostile, []string{"ads"}, now, windows, time.Hour); err != nil || !tl.Seen {
				t.Fatalf("TallyViolation of a seen message = %+v, %v", tl, err)
			}
		}},
		{"Store.RecordViolation", func(t *testing.T, ctx context.Context, s *Store) {
			v := Violation{ID: hostile + "r", Time: now, From: hostile, ChatID: hostile, Severity: "high", Hits: []VHit{{Category: hostile}}}
			c := &Case{ID: "rec-" + hostile, Opened: now, User: hostile}
			acts := []Action{{Key: "rec-a/" + hostile, Payload: []byte("{}")}, {Key: "rec-b/" + hostile, Payload: []byte("{}")}}
			must(t, s.RecordViolation(ctx, Record{Violation: v, Retention: 48 * time.Hour, Case: c, Actions: acts, Now: now}))
		}},
		{"Store.EnablePlanMarks", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.EnablePlanMarks(ctx, true))
			// RecordViolation's record again (adding nothing), now with its
			// plan mark, then found by the tally, the check and the clean
			// mark of the same message.
			id := hostile + "r"
			v := Violation{ID: id, Time: now, From: hostile, ChatID: hostile, Severity: "high", Hits: []VHit{{Category: hostile}}}
			c := &Case{ID: "rec-" + hostile, Opened: now, User: hostile}
			acts := []Action{{Key: "rec-a/" + hostile, Payload: []byte("{}")}, {Key: "rec-b/" + hostile, Payload: []byte("{}")}}
			must(t, s.RecordViolation(ctx, Record{Violation: v, Retention: 48 * time.Hour, Case: c, Actions: acts, Now: now, DedupTTL: time.Hour}))
			tl, err := s.TallyViolation(ctx, id, hostile, []string{hostile}, now, []time.Duration{time.Hour}, time.Hour)
			if err != nil || !tl.PlanMarks || tl.Plan == nil || tl.Plan.Violation.ID != id {
				t.Fatalf("TallyViolation of a planned message = %+v, %v", tl, err)
			}
			must(t, s.EnablePlanMarks(ctx, false))
		}},
		{"Store.PlanMarks", func(t *testing.T, ctx context.Context, s *Store) {
			if on, err := s.PlanMarks(ctx); err != nil || on {
				t.Fatalf("PlanMarks = %v, %v; want off (EnablePlanMarks turned them off)", on, err)
			}
		}},
		{"Store.RecordViolationFirst", func(t *testing.T, ctx context.Context, s *Store) {
			// RecordViolation's record once more: stored before, so not first.
			id := hostile + "r"
			v := Violation{ID: id, Time: now, From: hostile, ChatID: hostile, Severity: "high", Hits: []VHit{{Category: hostile}}}
			acts := []Action{{Key: "rec-a/" + hostile, Payload: []byte("{}")}}
			if first, err := s.RecordViolationFirst(ctx, Record{Violation: v, Retention: 48 * time.Hour, Actions: acts, Now: now}); err != nil || first {
				t.Fatalf("RecordViolationFirst of a stored record = %v, %v; want not first", first, err)
			}
		}},
		{"Store.SeenPlan", func(t *testing.T, ctx context.Context, s *Store) {
			if seen, plan, err := s.SeenPlan(ctx, hostile+"r"); err != nil || !seen || plan == nil {
				t.Fatalf("SeenPlan = %v, %v, %v; want the plan", seen, plan, err)
			}
		}},
		{"Store.MarkSeenPlan", func(t *testing.T, ctx context.Context, s *Store) {
			if first, plan, err := s.MarkSeenPlan(ctx, hostile+"r", time.Hour); err != nil || first || plan == nil {
				t.Fatalf("MarkSeenPlan = %v, %v, %v; want the plan", first, plan, err)
			}
		}},
		{"Store.Violation", func(t *testing.T, ctx context.Context, s *Store) {
			if _, ok, err := s.Violation(ctx, hostile); err != nil || !ok {
				t.Fatalf("Violation(hostile) = %v, %v", ok, err)
			}
		}},
		{"Store.ResolveRef", func(t *testing.T, ctx context.Context, s *Store) {
			// Indexed at save, then (the index gone) found by the scan.
			ref := RefOf(hostile + "/warn_sender")
			for range 2 {
				got, err := s.ResolveRef(ctx, ref)
				if err != nil || len(got) != 1 || got[0].Violation != hostile {
					t.Fatalf("ResolveRef(%s) = %+v, %v; want the hostile violation", ref, got, err)
				}
				must(t, s.rdb.Del(ctx, s.keyRef(ref)).Err())
			}
			_, err := s.ResolveRef(ctx, hostile)
			must(t, err)
		}},
		{"Store.SearchViolations", func(t *testing.T, ctx context.Context, s *Store) {
			vs, _, err := s.SearchViolations(ctx, ViolationQuery{Limit: 10})
			if err != nil || len(vs) != 3 {
				t.Fatalf("SearchViolations = %d, %v; want 3", len(vs), err)
			}
		}},
		{"Store.MarkRecalled", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.MarkRecalled(ctx, hostile)
			must(t, err)
		}},
		{"Store.IndexUserViolation", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.IndexUserViolation(ctx, Violation{ID: hostile, From: hostile, Time: now}, 48*time.Hour))
		}},
		{"Store.UserViolations", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.UserViolations(ctx, hostile, 10)
			must(t, err)
		}},
		{"Store.Stats", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Stats(ctx, now, 3); must(t, err) }},
		{"Store.TakeReportSlot", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.TakeReportSlot(ctx, hostile, hostile, now, time.Hour, 5)
			must(t, err)
		}},
		{"Store.CacheSet", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.CacheSet(ctx, "user:"+hostile, map[string]any{"UserID": hostile, "MainDepartment": 2}, time.Minute))
		}},
		{"Store.CacheSetMany", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.CacheSetMany(ctx, []CacheWrite{{Key: "owner:" + hostile, Data: []byte(`"x"`), TTL: time.Minute}, {Key: "leader:" + hostile, Data: []byte(`""`), TTL: time.Minute}}))
			var owner string
			if ok, err := s.CacheGet(ctx, "owner:"+hostile, &owner); !ok || err != nil || owner != "x" {
				t.Fatalf("CacheGet after CacheSetMany = %v, %v, %q", ok, err, owner)
			}
		}},
		{"Store.CacheGet", func(t *testing.T, ctx context.Context, s *Store) {
			var v map[string]any
			_, err := s.CacheGet(ctx, "user:"+hostile, &v)
			must(t, err)
		}},
		{"Store.CachedDepartment", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.CachedDepartment(ctx, hostile)
			must(t, err)
		}},
		{"Store.CacheDelete", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.CacheDelete(ctx, "user:"+hostile)) }},
		{"Store.OpenCase", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.OpenCase(ctx, Case{ID: hostile, Opened: now, User: hostile})
			must(t, err)
		}},
		{"Store.Case", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.Case(ctx, hostile); must(t, err) }},
		{"Store.OpenCases", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.OpenCases(ctx); must(t, err) }},
		{"Store.UpdateCase", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.UpdateCase(ctx, hostile, func(c *Case) error { c.Status = CaseResolved; return nil })
			must(t, err)
		}},
		{"Store.Cases", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Cases(ctx, true, 10); must(t, err) }},
		// False alarms, appeals and decisions (falsealarm.go, appeal.go, decision.go).
		{"Store.UpdateViolation", func(t *testing.T, ctx context.Context, s *Store) {
			_, after, err := s.UpdateViolation(ctx, hostile, func(v *Violation) error { v.Withdrawn = &Withdrawal{By: hostile, Via: "hr"}; return nil })
			if err != nil || after.Withdrawn == nil {
				t.Fatalf("UpdateViolation = %+v, %v", after.Withdrawn, err)
			}
		}},
		{"Store.UncountViolation", func(t *testing.T, ctx context.Context, s *Store) {
			if n, err := s.UncountViolation(ctx, hostile, hostile, []string{hostile, "other"}); err != nil || n != 1 {
				t.Fatalf("UncountViolation = %d, %v; want the one counter CountViolation wrote", n, err)
			}
		}},
		{"Store.CountFalseAlarm", func(t *testing.T, ctx context.Context, s *Store) {
			v := Violation{ID: hostile, Time: now, From: hostile, Hits: []VHit{{Category: hostile, Rule: hostile}}}
			_, err := s.CountFalseAlarm(ctx, v, 48*time.Hour)
			must(t, err)
		}},
		{"Store.FalseAlarmStats", func(t *testing.T, ctx context.Context, s *Store) {
			if fa, err := s.FalseAlarmStats(ctx, now, 2); err != nil || fa.Total != 1 {
				t.Fatalf("FalseAlarmStats = %+v, %v", fa, err)
			}
		}},
		{"Store.UserViolationsBetween", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.UserViolationsBetween(ctx, hostile, now.Add(-time.Hour), now, 10)
			must(t, err)
		}},
		{"Store.RequestFalseAlarm", func(t *testing.T, ctx context.Context, s *Store) {
			for range 2 {
				_, _, err := s.RequestFalseAlarm(ctx, FalseAlarmRequest{Violation: hostile, By: hostile, Filed: now})
				must(t, err)
			}
		}},
		{"Store.FalseAlarmRequest", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.FalseAlarmRequest(ctx, hostile)
			must(t, err)
		}},
		{"Store.FalseAlarmRequests", func(t *testing.T, ctx context.Context, s *Store) {
			if rs, err := s.FalseAlarmRequests(ctx, false, 10); err != nil || len(rs) != 1 {
				t.Fatalf("FalseAlarmRequests = %d, %v", len(rs), err)
			}
		}},
		{"Store.UpdateFalseAlarmRequest", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.UpdateFalseAlarmRequest(ctx, hostile, func(r *FalseAlarmRequest) error { r.Status = ReviewConfirmed; return nil })
			must(t, err)
		}},
		{"Store.FileAppeal", func(t *testing.T, ctx context.Context, s *Store) {
			for range 2 {
				_, _, err := s.FileAppeal(ctx, Appeal{ID: hostile, Violation: hostile, User: hostile, Filed: now})
				must(t, err)
			}
		}},
		{"Store.Appeal", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.Appeal(ctx, hostile); must(t, err) }},
		{"Store.Appeals", func(t *testing.T, ctx context.Context, s *Store) {
			if as, err := s.Appeals(ctx, true, 10); err != nil || len(as) != 1 {
				t.Fatalf("Appeals = %d, %v", len(as), err)
			}
		}},
		{"Store.UpdateAppeal", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.UpdateAppeal(ctx, hostile, func(a *Appeal) error { a.Status = ReviewRejected; return nil })
			must(t, err)
		}},
		{"Store.ArmConfirmation", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.ArmConfirmation(ctx, hostile, hostile, "tok", time.Minute))
		}},
		{"Store.TakeConfirmation", func(t *testing.T, ctx context.Context, s *Store) {
			if ok, err := s.TakeConfirmation(ctx, hostile, hostile, "tok"); err != nil || !ok {
				t.Fatalf("TakeConfirmation = %v, %v", ok, err)
			}
		}},
		{"Store.NoteOwnedChat", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.NoteOwnedChat(ctx, hostile, hostile))
			must(t, s.NoteOwnedChat(ctx, "owner2", hostile)) // moves the chat between two owners' sets
		}},
		{"Store.OwnedChats", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.OwnedChats(ctx, hostile); must(t, err) }},
		{"Store.SetChat", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.SetChat(ctx, ChatInfo{ChatID: hostile})) }},
		{"Store.Chat", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.Chat(ctx, hostile); must(t, err) }},
		{"Store.Chats", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Chats(ctx); must(t, err) }},
		{"Store.ImportDirectory", func(t *testing.T, ctx context.Context, s *Store) {
			for _, replace := range []bool{false, true} {
				n, err := s.ImportDirectory(ctx, []Member{{UserID: hostile, Name: "张三", Department: "销售部"}, {UserID: "lisi", Name: "李四"}}, replace)
				if err != nil || n != 2 {
					t.Fatalf("ImportDirectory(replace %v) = %d, %v", replace, n, err)
				}
			}
		}},
		{"Store.DirectorySize", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.DirectorySize(ctx); must(t, err) }},
		{"Store.MemberNames", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.CacheSet(ctx, "user:wangwu", map[string]any{"UserID": "wangwu", "Name": "王五"}, time.Hour))
			got, err := s.MemberNames(ctx, []string{hostile, "wangwu", "nobody"})
			if err != nil || got[hostile].Name != "张三" || got["wangwu"].Name != "王五" || len(got) != 2 {
				t.Fatalf("MemberNames = %v, %v", got, err)
			}
		}},
		{"Store.NoteGroupsSeen", func(t *testing.T, ctx context.Context, s *Store) {
			now := time.Now()
			gs := []GroupSeen{{ChatID: "wrseen", Kind: "work", LastSeen: now, Messages: 3}, {ChatID: hostile, Messages: 1}, {ChatID: "wr{evil}x", LastSeen: now, Messages: 2}}
			must(t, s.NoteGroupsSeen(ctx, gs, now))
		}},
		{"Store.GroupsSeen", func(t *testing.T, ctx context.Context, s *Store) {
			got, err := s.GroupsSeen(ctx)
			if err != nil || len(got) != 2 || got[0].Messages == 0 {
				t.Fatalf("GroupsSeen = %+v, %v; want wrseen and wr{evil}x (the hostile id is too long to keep)", got, err)
			}
		}},
		{"Store.NoteGroupName", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.NoteGroupName(ctx, "wr{evil}x", "work", "销售一部", time.Now()))
			must(t, s.NoteGroupName(ctx, hostile, "work", "x", time.Now()))
		}},
		{"Store.GroupNames", func(t *testing.T, ctx context.Context, s *Store) {
			got, err := s.GroupNames(ctx, []string{"wr{evil}x", hostile})
			if err != nil || got["wr{evil}x"] != "销售一部" || len(got) != 1 {
				t.Fatalf("GroupNames = %v, %v", got, err)
			}
		}},
		{"Store.NoteDepartment", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.NoteDepartment(ctx, Department{ID: 7, Name: "华东销售部", At: time.Now()}))
		}},
		{"Store.Departments", func(t *testing.T, ctx context.Context, s *Store) {
			got, err := s.Departments(ctx, []int64{7, 8})
			if err != nil || got[7].Name != "华东销售部" || len(got) != 1 {
				t.Fatalf("Departments = %v, %v", got, err)
			}
		}},
		{"Store.DepartmentNames", func(t *testing.T, ctx context.Context, s *Store) {
			got, err := s.DepartmentNames(ctx, []string{"7", "x", hostile})
			if err != nil || got["7"] != "华东销售部" || len(got) != 1 {
				t.Fatalf("DepartmentNames = %v, %v", got, err)
			}
		}},
		{"Store.DeleteChat", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.DeleteChat(ctx, hostile); must(t, err) }},
		{"Store.TryLease", func(t *testing.T, ctx context.Context, s *Store) {
			for range 2 { // take, then renew
				_, err := s.TryLease(ctx, hostile, "me", time.Minute)
				must(t, err)
			}
		}},
		{"Store.MarkOnce", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.MarkOnce(ctx, hostile, time.Minute)
			must(t, err)
		}},
		{"Store.OnceDone", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.OnceDone(ctx, hostile); must(t, err) }},
		{"Store.SetArchiveSeq", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.SetArchiveSeq(ctx, hostile, 7)) }},
		{"Store.ArchiveSeq", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.ArchiveSeq(ctx, hostile); must(t, err) }},
		{"Store.CountNotify", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.CountNotify(ctx); must(t, err) }},
		{"Store.NotifyCount", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.NotifyCount(ctx); must(t, err) }},
		{"Store.CreateToken", func(t *testing.T, ctx context.Context, s *Store) {
			var err error
			tok, secret, err = s.CreateToken(ctx, hostile, "hr", now)
			must(t, err)
		}},
		{"Store.CreateExpiringToken", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.CreateExpiringToken(ctx, hostile, "hr", now, time.Hour)
			must(t, err)
		}},
		{"Store.LookupToken", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.LookupToken(ctx, secret)
			must(t, err)
		}},
		{"Store.TouchToken", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.TouchToken(ctx, tok.ID, now)) }},
		{"Store.Tokens", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Tokens(ctx); must(t, err) }},
		{"Store.CreateMemberSession", func(t *testing.T, ctx context.Context, s *Store) {
			var err error
			memberSession, _, err = s.CreateMemberSession(ctx, hostile, "hr", now, time.Hour)
			must(t, err)
		}},
		{"Store.SetSessionRole", func(t *testing.T, ctx context.Context, s *Store) {
			if changed, err := s.SetSessionRole(ctx, memberSession, "employee"); err != nil || !changed {
				t.Fatalf("SetSessionRole = %v, %v", changed, err)
			}
		}},
		{"Store.SaveSignInState", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.SaveSignInState(ctx, hostile, SignInState{Return: "/ui/", Via: "web", Created: now}, time.Minute))
		}},
		{"Store.TakeSignInState", func(t *testing.T, ctx context.Context, s *Store) {
			if _, ok, err := s.TakeSignInState(ctx, hostile); err != nil || !ok {
				t.Fatalf("TakeSignInState = %v, %v", ok, err)
			}
		}},
		{"Store.CreateSession", func(t *testing.T, ctx context.Context, s *Store) {
			var err error
			session, _, err = s.CreateSession(ctx, tok, time.Hour)
			must(t, err)
		}},
		{"Store.Session", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, _, err := s.Session(ctx, session)
			must(t, err)
		}},
		{"Store.DeleteSession", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.DeleteSession(ctx, session)) }},
		{"Store.RevokeToken", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.RevokeToken(ctx, tok.ID); must(t, err) }},
		{"Store.Audit", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.Audit(ctx, AuditEntry{User: hostile, Target: hostile}))
		}},
		{"Store.AuditLog", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.AuditLog(ctx, 10, ""); must(t, err) }},
		{"Store.SeedRules", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.SeedRules(ctx, map[string][]byte{"policy.yaml": []byte("x")})
			must(t, err)
		}},
		{"Store.SaveRules", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.SaveRules(ctx, map[string][]byte{"policy.yaml": []byte("y")}, -1)
			must(t, err)
		}},
		{"Store.RulesDelta", func(t *testing.T, ctx context.Context, s *Store) {
			v, err := s.RulesVersion(ctx)
			must(t, err)
			_, _, err = s.RulesDelta(ctx, v-1)
			must(t, err)
		}},
		{"Store.RulesVersion", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.RulesVersion(ctx); must(t, err) }},
		{"Store.Rules", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.Rules(ctx); must(t, err) }},
		{"Store.WatchRules", func(t *testing.T, ctx context.Context, s *Store) {
			// Subscribes until the context ends; what it receives is
			// tested in rules_test.go, here only what it sends counts.
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			s.WatchRules(ctx, func(int64) {})
		}},
		{"Store.NextRecordSetVersion", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.NextRecordSetVersion(ctx, hostile)
			must(t, err)
		}},
		{"Store.PutRecordChunk", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.PutRecordChunk(ctx, hostile, 1, 0, []byte("hashes")))
			must(t, s.PutRecordChunk(ctx, hostile, 2, 0, []byte("hashes")))
		}},
		{"Store.CommitRecordSet", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.CommitRecordSet(ctx, hostile, 1, 1, []byte("{}")))
			must(t, s.CommitRecordSet(ctx, hostile, 2, 1, []byte("{}"))) // deletes version 1's chunks
		}},
		{"Store.RecordSets", func(t *testing.T, ctx context.Context, s *Store) { _, _, err := s.RecordSets(ctx); must(t, err) }},
		{"Store.RecordChunk", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.RecordChunk(ctx, hostile, 2, 0)
			must(t, err)
		}},
		{"Store.DeleteRecordSet", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.DeleteRecordSet(ctx, hostile)
			must(t, err)
		}},
		{"Store.NextDocumentID", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.NextDocumentID(ctx); must(t, err) }},
		{"Store.SaveDocument", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.SaveDocument(ctx, hostile, []byte("{}"), []byte("prints")))
		}},
		{"Store.Documents", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Documents(ctx); must(t, err) }},
		{"Store.DocumentPrints", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.DocumentPrints(ctx, hostile)
			must(t, err)
		}},
		{"Store.DeleteDocument", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.DeleteDocument(ctx, hostile)
			must(t, err)
		}},
		{"Store.DLPVersion", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.DLPVersion(ctx); must(t, err) }},
		{"Store.WatchDLP", func(t *testing.T, ctx context.Context, s *Store) {
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			s.WatchDLP(ctx, func(int64) {})
		}},
	}
	ops = append(ops, outboxSlotOps(now)...)
	return append(ops, []slotOp{
		{"Store.Pacer", func(t *testing.T, ctx context.Context, s *Store) { _ = s.Pacer() }},
		{"Store.AccessTokens", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.AccessTokens("secret")
			must(t, err)
		}},
		{"AccessTokens.SetToken", func(t *testing.T, ctx context.Context, s *Store) {
			a, _ := s.AccessTokens("secret")
			must(t, a.SetToken(ctx, hostile, "tok", time.Minute))
		}},
		{"AccessTokens.GetToken", func(t *testing.T, ctx context.Context, s *Store) {
			a, _ := s.AccessTokens("secret")
			_, _, err := a.GetToken(ctx, hostile)
			must(t, err)
		}},
		{"AccessTokens.DeleteToken", func(t *testing.T, ctx context.Context, s *Store) {
			a, _ := s.AccessTokens("secret")
			must(t, a.DeleteToken(ctx, hostile, "tok"))
		}},
		{"AccessTokens.Lock", func(t *testing.T, ctx context.Context, s *Store) {
			a, _ := s.AccessTokens("secret")
			unlock, ok, err := a.Lock(ctx, hostile, time.Minute)
			must(t, err)
			if ok {
				unlock()
			}
		}},
		{"Pacer.Admit", func(t *testing.T, ctx context.Context, s *Store) {
			members := []string{hostile, "lisi", "wangwu"}
			for i := range 31 { // the last one is refused and gives back its slots
				_, _, err := s.Pacer().Admit(ctx, members, now.Add(time.Duration(i)*time.Millisecond))
				must(t, err)
			}
		}},
		{"Store.SetInterceptState", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.SetInterceptState(ctx, []byte(`{"version":1}`)))
		}},
		{"Store.InterceptState", func(t *testing.T, ctx context.Context, s *Store) {
			if data, ok, err := s.InterceptState(ctx); err != nil || !ok || string(data) != `{"version":1}` {
				t.Fatalf("InterceptState = %q, %v, %v", data, ok, err)
			}
		}},
		{"Store.CacheGetMany", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.CacheSet(ctx, "customer:"+hostile, "x", time.Minute))
			got, err := s.CacheGetMany(ctx, []string{"customer:" + hostile, "customer:none", "user:" + hostile})
			if err != nil || string(got[0]) != `"x"` || got[1] != nil {
				t.Fatalf("CacheGetMany = %q, %v", got, err)
			}
		}},
		{"Store.UpdateInterceptState", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.UpdateInterceptState(ctx, func(old []byte) ([]byte, error) { return old, nil }))
		}},
		{"Store.UpdateHandover", func(t *testing.T, ctx context.Context, s *Store) {
			for _, open := range []bool{true, false, true} {
				must(t, s.UpdateHandover(ctx, hostile, func(old []byte) ([]byte, bool, error) { return append(old, 'x'), open, nil }))
			}
		}},
		{"Store.Handover", func(t *testing.T, ctx context.Context, s *Store) {
			if data, ok, err := s.Handover(ctx, hostile); err != nil || !ok || string(data) != "xxx" {
				t.Fatalf("Handover = %q, %v, %v", data, ok, err)
			}
		}},
		{"Store.OpenHandovers", func(t *testing.T, ctx context.Context, s *Store) {
			if ids, err := s.OpenHandovers(ctx); err != nil || len(ids) != 1 || ids[0] != hostile {
				t.Fatalf("OpenHandovers = %d ids, %v; want the hostile leaver", len(ids), err)
			}
		}},
		{"Store.DeleteAll", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.DeleteAll(ctx)) }},
		{"Store.Close", func(t *testing.T, ctx context.Context, s *Store) {}}, // run by the cleanup
	}...)
}
