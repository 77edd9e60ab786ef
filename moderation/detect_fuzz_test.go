package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// FuzzDetect checks the detectors on arbitrary text: findings lie inside
// the text, are ordered, start and end on a character that is not noise
// (numbers, e-mail, addresses),
// and carry a detector form and a confidence in 1–100.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "①13812345678", "⑽11010519491231002X", "客户名单：①13812345678 ②11010519491231002X ③6222021234567890128",
		"❶❸❽❶❷❸❹❺❻❼❽", "幺三八幺两三四五六拐八", "l38OO138OOO", "188,1651,4888", "188\n1651\n4888", "192.168.125.83",
		"v3.11.2.13812345678", "PO-1388-1234-567", "name艾特qq.com", "name(at)qq(dot)com", "www。bet365。com",
		"dafa888 dot com", "http://10.0.0.8/x 1.2.3.4:8080/path", "+V：lucky_888", "➕微", "微信同号", "昨天你加我qq呢？",
		"我住在北京市朝阳区建国路88号院3号楼2单元501室", "会议地点：北京市朝阳区建国路88号SOHO现代城A座12层",
		"⒈\u200b3⑴\u202e8\xff❿⓫", "1.(1)⑴⒈1", "艾特艾特#(at)[dot]", "88号路88号路88号", "lolol1o1o1o1o1o1",
		"手机号即微信号 微信就是手机号 13812345678 同微信 V：abc12345 加扣：123456789 weixin：abc123",
		"lisi (艾特) qq.com 报销单3320906051232978 他昨天加我qq问报价 ➕薇 abc_001"} {
		f.Add(s)
	}
	s, err := moderation.Compile(nil, moderation.Options{Detectors: moderation.AllDetectors, URLAllowDomains: []string{"example.com"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		runes := []rune(text)
		got := s.Scan(text, nil)
		for i, fd := range got {
			if fd.Start < 0 || fd.End > len(runes) || fd.Start >= fd.End {
				t.Fatalf("finding %v outside [0,%d)", fd, len(runes))
			}
			if i > 0 && (fd.Start < got[i-1].Start || fd.Start == got[i-1].Start && fd.End < got[i-1].End) {
				t.Fatalf("findings out of order: %v", got)
			}
			if fd.Form != moderation.FormDetector && fd.Form != moderation.FormObfuscated {
				t.Fatalf("finding %v: form %v is not a detector form", fd, fd.Form)
			}
			if fd.Confidence < 1 || fd.Confidence > 100 {
				t.Fatalf("finding %v: confidence %d outside 1–100", fd, fd.Confidence)
			}
			for _, edge := range []rune{runes[fd.Start], runes[fd.End-1]} {
				// A URL may end in its path's punctuation, a solicitation
				// start at "+".
				if e, _ := moderation.Normalize(string(edge)); e == "" && fd.Kind != moderation.KindWeChatID && fd.Kind != moderation.KindURL {
					t.Fatalf("finding %v: span %q starts or ends with noise", fd, string(runes[fd.Start:fd.End]))
				}
			}
		}
	})
}
