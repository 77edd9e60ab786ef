package moderation

import "testing"

func TestEmailValue(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Lucky888@QQ.com", "lucky888@qq.com", true},
		{"ｌｕｃｋｙ８８８＠ｑｑ．ｃｏｍ", "lucky888@qq.com", true},
		{"lucky888艾特qq.com", "lucky888@qq.com", true},
		{"lucky888 艾特 qq.com", "lucky888@qq.com", true},
		{"lucky888#qq.com", "lucky888@qq.com", true},
		{"lucky888(at)qq(dot)com", "lucky888@qq.com", true},
		{"lucky888[at]qq[dot]com", "lucky888@qq.com", true},
		{"lucky888 (艾特) qq.com", "lucky888@qq.com", true},
		{"lucky888@qq点com", "lucky888@qq.com", true},
		{"lucky888@qq。com", "lucky888@qq.com", true},
		{"lucky888@qq[.]com", "lucky888@qq.com", true},
		{"lucky888圈aqq点com", "lucky888@qq.com", true},
		{"lucky888小老鼠qq.com", "lucky888@qq.com", true},
		{"lucky888 @ qq . com", "lucky888@qq.com", true},
		{"lucky888#qq#com", "lucky888@qq.com", true},
		{"lucky888【at】qq【点】com", "lucky888@qq.com", true}, // red9c's forms
		{"lucky888圈qq.com", "lucky888@qq.com", true},
		{"lucky888在qq.com", "lucky888@qq.com", true}, // red10
		{"lucky888 AT vip.qq.com", "lucky888@vip.qq.com", true},
		{"Zhang.San_01@Example.COM.CN", "zhang.san_01@example.com.cn", true},
		{"lucky888", "", false},
		{"lucky888@", "", false},
		{"@qq.com", "", false},
	} {
		got, ok := EmailValue(tc.in, nil)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("EmailValue(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if got, _ := EmailValue("b@c.com", []byte("a:")); string(got) != "a:b@c.com" {
		t.Errorf("does not append: %q", got)
	}
	if got, ok := EmailValue("none", []byte("a:")); ok || string(got) != "a:" {
		t.Errorf("dst changed on failure: %q", got)
	}
}
