package rules

import (
	"strings"
	"testing"
)

func TestSummaryDefault(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	s := rs.Summary()
	if len(s) > 2048 {
		t.Errorf("summary is %d bytes; a WeCom text message holds 2048", len(s))
	}
	want := []string{
		"1. 商业机密：不得外传商业机密和内部保密资料。所有会话和昵称中违者上报人力资源部；所有会话中复制受保护保密文件内容的上报人力资源部。\n",
		"客户信息/个人隐私：",
		"工作群、内部非工作群、客户群中违者通知群主；单聊中违者私下提醒；工作群、内部非工作群、客户群中发布本公司真实客户信息的上报人力资源部。",
		"广告推销：工作群内不得发布广告、推销和垃圾信息。工作群、客户群中违者私下提醒。",
		"工作群中（周一至周五 09:00-18:00）违者私下提醒。",
		"8. 不当昵称：",
		"同一类别 24 小时内违规 3 次通知群主，7 天内违规 5 次上报人力资源部",
		"第 1 次起警告，第 3 次起通报批评，第 5 次起停用账号，第 8 次起解除劳动合同",
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("summary\n%s\nlacks %q", s, w)
		}
	}
	for _, c := range rs.Categories {
		if c.Label == c.Name || !strings.Contains(s, c.Label+"：") {
			t.Errorf("category %s: label %q not in the summary", c.Name, c.Label)
		}
	}
}

func TestSummary(t *testing.T) {
	const policy = `version: 1
categories:
  - name: spam
    description: 不发广告
  - name: watched
    label: 观察项
  - name: idle
rules:
  - id: spam-night
    match:
      categories: [spam]
    where:
      chat_kinds: [work, external]
      time: ["Sat,Sun", "Mon-Fri 22:00-06:00"]
    action: alert_owner
  - id: spam-list
    match:
      lists: [spam/ads]
    where:
      chat_kinds: [direct]
    action: log
  - id: watched
    category: watched
    match:
      detectors: [email]
    action: warn
    shadow: true
ladder:
  owner_after: 2
  short_window: 90m
  long_window: 30d
  sanctions:
    - {at: 2, sanction: 通报批评}
`
	_, err := LoadDir(policyFS(policy))
	if err == nil {
		t.Fatalf("LoadDir accepted a policy without folder bad")
	}
	fsys := policyFS(policy)
	delete(fsys, "lists/bad/words.txt")
	rs, err := LoadDir(fsys)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	s := rs.Summary()
	tests := []struct{ name, want string }{
		{"label defaults to name, description gets a full stop", "1. spam：不发广告。"},
		{"windows in Chinese", "工作群、客户群中（周六、周日，周一至周五 22:00-06:00）违者通知群主"},
		{"a list names its category", "单聊中违者记录在案"},
		{"shadow rules are only watched", "2. 观察项：目前只观察，不处理。"},
		{"a category without rules", "3. idle：暂未启用。"},
		{"ladder", "同一类别 90 分钟内违规 2 次通知群主，30 天内违规 5 次上报人力资源部"},
		{"sanctions", "30 天内累计违规的建议处分：第 2 次起通报批评；"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(s, tc.want) {
				t.Errorf("summary\n%s\nlacks %q", s, tc.want)
			}
		})
	}
}

func TestZhWindow(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mon-Fri 09:00-18:00", "周一至周五 09:00-18:00"},
		{"Sat,Sun", "周六、周日"},
		{"Fri-Mon", "周一、周五至周日"},
		{"Mon,Wed,Thu,Fri", "周一、周三至周五"},
		{"12:00-24:00", "每天 12:00-24:00"},
		{"Mon-Sun", "全天"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			w, err := ParseWindow(tc.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := zhWindow(w); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
