package dlp

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generated customer data: valid numbers of every kind, no real data.

func genPhone(r *rand.Rand) string {
	return fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1e9))
}

// idCheck returns the check character of the first 17 digits of an ID card.
func idCheck(d17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(d17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

func genID(r *rand.Rand) string {
	d17 := fmt.Sprintf("%d%d%04d%04d%02d%02d%03d", 1+r.IntN(6), 1+r.IntN(3), r.IntN(10000), 1950+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
	return d17 + string(idCheck(d17))
}

func luhnDigit(body string) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func genCard(r *rand.Rand) string {
	body := fmt.Sprintf("622202%012d", r.Int64N(1e12))
	return body + string(luhnDigit(body))
}

// genCSV returns a customer file of n records with the given header.
func genCSV(r *rand.Rand, n int) (string, [][3]string) {
	var b strings.Builder
	b.WriteString("客户编号,姓名,手机,证件号,卡号\n")
	rows := make([][3]string, n)
	for i := range n {
		rows[i] = [3]string{genPhone(r), genID(r), genCard(r)}
		fmt.Fprintf(&b, "CU%07d,客户%d,%s,%s,%s\n", i, i, rows[i][0], rows[i][1], rows[i][2])
	}
	return b.String(), rows
}

// Generated documents: sentences drawn from a business vocabulary, so that
// unrelated text of the same topic shares words but not passages.
var docWords = []string{"报价", "策略", "客户", "渠道", "折扣", "季度", "目标", "利润", "成本", "市场", "份额", "竞争",
	"对手", "华东", "华南", "大区", "经销商", "返点", "合同", "签约", "预算", "增长", "产品", "线", "毛利", "定价", "区间",
	"审批", "流程", "优先", "重点", "项目", "投标", "底价", "授权", "销售", "团队", "考核", "指标", "年度", "计划"}

func genParagraph(r *rand.Rand, chars int) string {
	var b strings.Builder
	n := 0
	for n < chars {
		w := docWords[r.IntN(len(docWords))]
		b.WriteString(w)
		n += len([]rune(w))
		if r.IntN(6) == 0 {
			b.WriteString("，")
		}
	}
	b.WriteString("。")
	return b.String()
}

func genDocument(r *rand.Rand, paragraphs, chars int) []string {
	out := make([]string, paragraphs)
	for i := range out {
		out[i] = genParagraph(r, chars)
	}
	return out
}
