package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// TestGroupsSeenAndNamesThroughThePipeline runs clean and violating
// messages through the pipeline and the sender against the fake WeCom:
// every group a message came from is listed (after the batched flush, not
// before: the clean path writes nothing of its own), and the owner and
// member lookups leave the group's and the department's names for the
// console.
func TestGroupsSeenAndNamesThroughThePipeline(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrnames", Name: "华东销售群", Creator: "owner8"})
	h.fake.SetDepartmentName(5, 1, "华东销售部")
	h.fake.SetUser(wecomtest.User{UserID: "zhang8", Name: "张三", Department: []int64{5}, MainDepartment: 5})
	t0 := time.Now().Add(-time.Minute)
	for i := range 3 {
		if _, err := h.pipeline.Process(ctx, archived(fmt.Sprint("clean", i), "zhang8", "wrnames", "明天十点开会", t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.pipeline.Process(ctx, archived("quiet", "li", "wrquiet", "收到", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pipeline.Process(ctx, archived("bad", "zhang8", "wrnames", idCard, t0.Add(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if seen, err := h.st.GroupsSeen(ctx); err != nil || len(seen) != 0 {
		t.Fatalf("before the flush: GroupsSeen = %+v, %v; want nothing yet (counted in memory)", seen, err)
	}
	if err := h.pipeline.FlushGroupsSeen(ctx); err != nil {
		t.Fatal(err)
	}
	seen, err := h.st.GroupsSeen(ctx)
	if err != nil || len(seen) != 2 {
		t.Fatalf("GroupsSeen = %+v, %v; want wrnames and wrquiet", seen, err)
	}
	if g := seen[0]; g.ChatID != "wrnames" || g.Messages != 4 || g.Kind != "work" || !g.LastSeen.Equal(t0.Add(10*time.Second).Truncate(time.Second)) {
		t.Errorf("newest group seen = %+v; want wrnames, 4 messages, work, last at %v", g, t0.Add(10*time.Second))
	}
	if g := seen[1]; g.ChatID != "wrquiet" || g.Messages != 1 {
		t.Errorf("second group seen = %+v; want wrquiet with 1 message", g)
	}
	// A second flush of nothing changes nothing; a later message adds up.
	if _, err := h.pipeline.Process(ctx, archived("quiet2", "li", "wrquiet", "好的", t0)); err != nil {
		t.Fatal(err)
	}
	if err := h.pipeline.FlushGroupsSeen(ctx); err != nil {
		t.Fatal(err)
	}
	if seen, _ := h.st.GroupsSeen(ctx); len(seen) != 2 || seen[1].Messages != 2 {
		t.Errorf("after a second flush: %+v; want wrquiet at 2 messages", seen)
	}

	h.drain(ctx, nil, h.sender("r1", nil))
	names, err := h.st.GroupNames(ctx, []string{"wrnames", "wrquiet"})
	if err != nil || names["wrnames"] != "华东销售群" || len(names) != 1 {
		t.Errorf("GroupNames = %v, %v; want wrnames named by msgaudit/groupchat/get (wrquiet had no alert, so no lookup)", names, err)
	}
	ms, err := h.st.MemberNames(ctx, []string{"zhang8"})
	if err != nil || ms["zhang8"].Name != "张三" || ms["zhang8"].Department != "华东销售部" {
		t.Errorf("MemberNames = %+v, %v; want 张三 of 华东销售部", ms, err)
	}
	if calls := h.fake.Calls(wecomtest.APIDepartmentGet); calls != 1 {
		t.Errorf("department/get called %d times, want once (cached for a day)", calls)
	}
}

// TestWithheldDepartmentNameIsNotShown: WeCom answers a third-party app
// the id in place of a department's name; that names nothing, is kept as
// such (not asked again) and the console falls back to HR's directory.
func TestWithheldDepartmentNameIsNotShown(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrhidden", Creator: "owner9"})
	h.fake.SetDepartmentName(6, 1, "研发部")
	h.fake.WithholdDepartmentNames(true)
	h.fake.SetUser(wecomtest.User{UserID: "wang9", Name: "王五", Department: []int64{6}})
	if _, err := h.pipeline.Process(ctx, archived("hid", "wang9", "wrhidden", idCard, time.Now())); err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	ds, err := h.st.Departments(ctx, []int64{6})
	if err != nil || ds[6].Name != "" || ds[6].At.IsZero() {
		t.Fatalf("Departments = %+v, %v; want department 6 kept without a name", ds, err)
	}
	if names, _ := h.st.DepartmentNames(ctx, []string{"6"}); len(names) != 0 {
		t.Errorf("DepartmentNames = %v; want none (WeCom gave the id, not a name)", names)
	}
	if names, _ := h.st.GroupNames(ctx, []string{"wrhidden"}); len(names) != 0 {
		t.Errorf("GroupNames = %v; want none for a room WeCom gave no name", names)
	}
}
