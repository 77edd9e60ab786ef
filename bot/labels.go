package bot

import "strings"

// defaultLabels name the default policy's categories for code that has no
// rule set at hand; the policy's own labels (Category.Label) win wherever
// the rule set is known.
var defaultLabels = map[string]string{
	"secrets":       "商业机密",
	"customer_data": "客户信息/个人隐私",
	"illegal":       "违法违规内容",
	"ads":           "广告推销",
	"abuse":         "辱骂人身攻击",
	"off_topic":     "与工作无关内容",
	"profile_name":  "不当昵称",
}

func categoryLabel(c string) string {
	if n, ok := defaultLabels[c]; ok {
		return n
	}
	return c
}

func categoryLabels(cs []string) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = categoryLabel(c)
	}
	return strings.Join(out, "、")
}
