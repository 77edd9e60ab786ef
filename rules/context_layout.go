package rules

import (
	"strings"
	"unicode/utf8"
)

// Work text lays words out in lists and Markdown tables, and a label or a
// column header says what a cell holds: 违禁词：色情、赌博 and | 敏感词 |
// 处理方式 | over | 裸聊 | 撤回并警告 | list the words a moderator looks
// for; | 科目 | 金额 | 备注 | over | 办公用品 | 320 | 代开发票 | is a
// finance line. The rules read a hit's line as its sentence; these
// helpers add what the layout says about it. Hand-written: a Markdown
// parser would build the whole document to find one row's header.

// lineAt returns the bounds [start, end) of the line holding byte at.
func lineAt(text string, at int) (start, end int) {
	start = strings.LastIndexAny(text[:at], "\n\r") + 1
	end = len(text)
	if i := strings.IndexAny(text[at:], "\n\r"); i >= 0 {
		end = at + i
	}
	return start, end
}

// tableRow reports whether line is laid out as a table row: it starts,
// after spaces, with a pipe.
func tableRow(line string) bool {
	line = strings.TrimLeft(line, " \t　")
	return strings.HasPrefix(line, "|") || strings.HasPrefix(line, "｜")
}

// tableHeader returns the header row of the Markdown table whose body
// holds byte at of text (the row above the delimiter row, | --- |), or ""
// when at is on no such row.
func tableHeader(text string, at int) string {
	if !hasPipe(text) {
		return ""
	}
	start, end := lineAt(text, at)
	if !tableRow(text[start:end]) {
		return ""
	}
	// Up through the rows above: the header is the row above the first
	// delimiter row met, when that is a row too.
	for {
		ps, prev := lineAbove(text, start)
		switch {
		case ps < 0 || !tableRow(prev):
			return ""
		case delimiterRow(prev):
			if _, head := lineAbove(text, ps); tableRow(head) && !delimiterRow(head) {
				return head
			}
			return ""
		}
		start = ps
	}
}

// lineAbove returns the start and the text of the first line above the
// line starting at byte start that is not empty (the \r of a \r\n ends an
// empty line), or -1 when there is none.
func lineAbove(text string, start int) (int, string) {
	for start > 0 {
		ps := strings.LastIndexAny(text[:start-1], "\n\r") + 1
		if ps < start-1 {
			return ps, text[ps : start-1]
		}
		start = ps
	}
	return -1, ""
}

// hasPipe reports whether text holds a pipe, ASCII or full-width: a
// byte search, where strings.ContainsAny decodes every rune.
func hasPipe(text string) bool {
	return strings.IndexByte(text, '|') >= 0 || strings.Contains(text, "｜")
}

// cellAt returns the index of the cell of the table row line holding byte
// at of line (0 for the cell after the leading pipe) and the cells' texts.
func cellAt(line string, at int) (int, []string) {
	lead := strings.TrimLeft(line, " \t　")
	skip := len(line) - len(lead) // bytes before the leading pipe
	k := 0
	if at > skip {
		k = strings.Count(line[skip:at], "|") + strings.Count(line[skip:at], "｜")
	}
	_, n := utf8.DecodeRuneInString(lead)
	cells := strings.Split(strings.ReplaceAll(lead[n:], "｜", "|"), "|")
	return k - 1, cells
}

// listItemRunes returns the length in runes of the list item holding the
// hit at bytes [bs, be) of text: the text between the list separators
// around it (、，,/;；, spaces, pipes, a colon or a line's end).
func listItemRunes(text string, bs, be int) int {
	isSep := func(r rune) bool {
		switch r {
		case '、', '，', ',', '/', ';', '；', '|', '｜', ':', '：', ' ', '\t', '　', '\n', '\r':
			return true
		}
		return false
	}
	from, to := bs, be
	for from > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:from])
		if isSep(r) {
			break
		}
		from -= n
	}
	for to < len(text) {
		r, n := utf8.DecodeRuneInString(text[to:])
		if isSep(r) {
			break
		}
		to += n
	}
	return utf8.RuneCountInString(text[from:to])
}

// listedUnder reports whether the hit at bytes [bs, be) of text is an item
// of a list under a label holding one of labels' words: on its line
// before a colon (敏感词库新增：裸聊、约炮), in the first cell of its table
// row (| 违禁词 | 色情、赌博 |) or in the header of its table column. The
// item holds at most four runes besides the hit (含赌博词汇, not a
// sentence that runs on).
func listedUnder(text string, bs, be int, labels *wordIndex) bool {
	if !hasPipe(text) && strings.IndexByte(text, ':') < 0 && !strings.Contains(text, "：") {
		return false // neither a label's colon nor a table
	}
	start, end := lineAt(text, bs)
	line := text[start:end]
	if !tableRow(line) {
		before := text[start:bs]
		i := strings.LastIndexAny(before, ":：")
		return i > 0 && labels.in(before[:i]) && shortItem(text, bs, be)
	}
	c, cells := cellAt(line, bs-start)
	if c < 0 || c >= len(cells) {
		return false
	}
	if c > 0 && labels.in(cells[0]) {
		return shortItem(text, bs, be)
	}
	head := tableHeader(text, bs)
	if head == "" {
		return false
	}
	_, hcells := cellAt(head, 0)
	return c < len(hcells) && labels.in(hcells[c]) && shortItem(text, bs, be)
}

// shortItem reports whether the list item holding the hit at bytes
// [bs, be) of text holds at most four runes besides it.
func shortItem(text string, bs, be int) bool {
	return listItemRunes(text, bs, be) <= utf8.RuneCountInString(text[bs:be])+4
}

// labelledRow reports whether the line of runes[n], a table row, starts
// with a label: a first cell of two or more Chinese characters, with
// runes[n] after it (| 姓名 | 刷 | 单 | 休 |, |日期|冰|毒|检测|). One-character
// cells after a label are a table's columns; a row of one-character cells
// alone spells a word across them (| 刷 | 单 | 日 | 结 |).
func labelledRow(runes []rune, n int) bool {
	start := n
	for start > 0 && !isLineEnd(runes[start-1]) {
		start--
	}
	var pipes []int
	for i := start; i <= n; i++ {
		if runes[i] == '|' || runes[i] == '｜' {
			pipes = append(pipes, i)
		}
	}
	if len(pipes) < 2 {
		return false
	}
	han := 0
	for _, r := range runes[pipes[0]+1 : pipes[1]] {
		switch {
		case isHan(r):
			han++
		case r == ' ' || r == 0x3000 || r == '\t':
		default:
			return false
		}
	}
	return han >= 2
}
