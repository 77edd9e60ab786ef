package moderation

import (
	"slices"
	"testing"
)

// TestTriggerHomophones checks that every homophone of a one-character
// trigger taken after 加 (胃 for 微, 寇 for 扣) solicits like the trigger
// when an id follows as a solicitation gives one, on the clean path's gate
// too (quick must not call the message clean), and that 加 before the same
// characters in ordinary work chat reports nothing.
func TestTriggerHomophones(t *testing.T) {
	hom := triggerHomophones()
	for _, want := range []rune{'胃', '维', '伟', '卫', '口', '寇', '蔻'} {
		if hom[want] == nil {
			t.Errorf("%q is no trigger homophone", want)
		}
	}
	for _, tr := range weChatTriggers() {
		// A longer trigger's first character may stand for a trigger of
		// one character (卫 of 卫星 for 微: 加卫：tt8899).
		if len(tr.text) == 1 && hom[tr.text[0]] != nil {
			t.Errorf("the trigger %q is also taken as a homophone", string(tr.text))
		}
	}
	s, err := Compile([]Entry{{Word: "赌博", Tag: 1}}, Options{Detectors: AllDetectors})
	if err != nil {
		t.Fatal(err)
	}
	hasWeChat := func(text string) bool {
		return slices.ContainsFunc(s.Scan(text, nil), func(f Finding) bool { return f.Kind == KindWeChatID })
	}
	for r, tr := range hom {
		id := "：hh6688a" // four digits: no digit hint of its own
		if tr.qq {
			id = "：123456789"
		}
		for _, text := range []string{"有需要的加" + string(r) + id, "详情加我" + string(r) + id + " 备注来意"} {
			if q, _ := s.quick(text); q == quickClean {
				t.Errorf("quick calls %q clean", text)
			}
			if !hasWeChat(text) {
				t.Errorf("no solicitation found in %q", text)
			}
		}
	}
	for _, text := range []string{"加胃 ruby6688", "加维 wangli2021 备注来意"} {
		if !hasWeChat(text) {
			t.Errorf("no solicitation found in %q", text)
		}
	}
	for _, text := range []string{
		"预算增加为 20000 元", "请把我加为好友", "参加为期三天的培训", "把他加为 manager 角色",
		"请把客户加为联系人 zhang2021", "加口罩 50000 个", "每桌加位 12 个", "给项目加维护人：liming2020",
		"追加为 30000 元", "把我加为审批人：wangwei01", "更加为客户着想", "加为好友",
	} {
		if hasWeChat(text) {
			t.Errorf("solicitation found in the ordinary %q: %+v", text, s.Scan(text, nil))
		}
	}
}
