package moderation

import (
	"slices"
	"strings"
	"sync"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// This file matches homophones (菠菜 for 博彩, 傻比 for 傻逼, 特么 for 他妈)
// of the entries that ask for them. Instead of listing every same-sounding
// spelling (博 alone has dozens), both the words and the message are read as
// syllables and a second automaton runs over syllable codes. It runs only
// when some entry has Homophones set, so scanners without such entries pay
// nothing.

// syllables maps the common characters (GB2312, the 6,763 characters of
// everyday simplified Chinese: rare characters stay out so that variants
// remain bounded) to a syllable id, and syllable names to ids.
type syllables struct {
	id    []uint16 // rune-0x4E00 → near-homophone class id, 0 when not common
	names map[string]uint16
	exact []string // rune-0x4E00 → toneless reading (slang swaps folded), "" when not common
}

const hanBase, hanEnd = 0x4E00, 0x9FFF

var syllableTable = sync.OnceValue(buildSyllables)

func buildSyllables() *syllables {
	sy := &syllables{id: make([]uint16, hanEnd-hanBase+1), names: make(map[string]uint16, 512), exact: make([]string, hanEnd-hanBase+1)}
	dec := simplifiedchinese.GBK.NewDecoder()
	args := pinyin.NewArgs()
	for b0 := 0xB0; b0 <= 0xF7; b0++ {
		for b1 := 0xA1; b1 <= 0xFE; b1++ {
			out, err := dec.Bytes([]byte{byte(b0), byte(b1)})
			if err != nil {
				continue
			}
			r := []rune(string(out))
			if len(r) != 1 || r[0] < hanBase || r[0] > hanEnd {
				continue
			}
			rs := pinyin.SinglePinyin(r[0], args)
			if p, ok := slangReadings[r[0]]; ok {
				rs = []string{p}
			}
			if len(rs) > 0 {
				sy.id[r[0]-hanBase] = sy.intern(rs[0])
				sy.exact[r[0]-hanBase] = exactSyllable(rs[0])
			}
		}
	}
	return sy
}

// slangReadings are the readings a message's character is read in when
// go-pinyin's first reading is not the one that sound-alike abuse uses:
// 勒 is lēi first (勒紧) but lè in 勒索 and in 马勒戈壁 for 妈了个逼, the
// best-known phrase homophone of the curses (held9f). Curated and short:
// each entry makes the character sound like every listed word with that
// syllable, so only characters whose other reading is the common one
// belong here.
var slangReadings = map[rune]string{'勒': "le"}

// nearSyllable folds a toneless syllable to its near-homophone class, the
// sounds that southern accents and fast typing merge and that evasions
// use: the vowel swaps of internet slang (特么 te me for 他妈 ta ma), the
// retroflex initials zh/ch/sh with z/c/s (撒比 for 傻逼), n with l (脑虎机
// for 老虎机) and the finals -ang/-eng/-ing with -an/-en/-in (宾毒 for 冰毒).
// A match that needs one of the merges is rated confNearHomophone, one that
// reads the same confHomophone (exactSyllable tells them apart). The
// merges cost false alarms (江人 for 贱人, 子掌 for 智障); the sound-alike
// check of package rules drops those that are ordinary words, and the
// lists opt in one by one (rules/README.md has the measured cost).
func nearSyllable(p string) string {
	switch p {
	case "te":
		return "ta"
	case "me":
		return "ma"
	}
	var b [8]byte
	if len(p) > len(b) || len(p) < 2 {
		return p
	}
	q := append(b[:0], p...)
	switch {
	case len(q) > 2 && q[1] == 'h' && (q[0] == 'z' || q[0] == 'c' || q[0] == 's'):
		q = append(q[:1], q[2:]...)
	case q[0] == 'n' && q[1] != 'g':
		q[0] = 'l'
	}
	if n := len(q); n > 3 && q[n-1] == 'g' && q[n-2] == 'n' && (q[n-3] == 'a' || q[n-3] == 'e' || q[n-3] == 'i') {
		q = q[:n-1]
	}
	return string(q)
}

// exactSyllable is the slang vowel swap alone: the readings that count as
// the same sound, not a near one.
func exactSyllable(p string) string {
	switch p {
	case "te":
		return "ta"
	case "me":
		return "ma"
	}
	return p
}

func (sy *syllables) intern(p string) uint16 {
	p = nearSyllable(p)
	if id, ok := sy.names[p]; ok {
		return id
	}
	id := uint16(len(sy.names) + 1)
	sy.names[p] = id
	return id
}

// homEntry is an entry asking for homophones.
type homEntry struct {
	letters []rune
	tag     int32
	exact   [][]string // per letter: its readings, slang swaps folded (set by newHomophones)
}

// homophones is a Scanner's syllable automaton.
type homophones struct {
	sy    *syllables
	code  []uint16 // syllable id → alphabet code (0: in no word)
	han   []uint16 // rune-0x4E00 → alphabet code, for the hot loop
	ac    *automaton
	words []homEntry
}

func newHomophones(entries []homEntry) *homophones {
	sy := syllableTable()
	h := &homophones{sy: sy, code: make([]uint16, len(sy.names)+1)}
	// The words are read in their commonest reading only: rare readings
	// (约 yāo, 炮 bāo, 洗 xiǎn) would make 要保 a homophone of 约炮.
	args := pinyin.NewArgs()
	var pats []pattern
	next := uint16(1)
	for _, e := range entries {
		seqs := [][]uint16{nil}
		e.exact = make([][]string, len(e.letters))
		for i, r := range e.letters {
			rs := pinyin.SinglePinyin(r, args)
			for _, p := range rs {
				e.exact[i] = append(e.exact[i], exactSyllable(p))
			}
			if len(rs) == 0 {
				seqs = nil
				break
			}
			var ext [][]uint16
			for _, q := range seqs {
				for _, p := range rs {
					id, ok := sy.names[nearSyllable(p)]
					if !ok || len(ext) == maxVariants {
						continue
					}
					ext = append(ext, append(slices.Clip(q), id))
				}
			}
			seqs = ext
		}
		if len(seqs) == 0 || len(e.letters) < 2 {
			continue // a single syllable has far too many homophones
		}
		h.words = append(h.words, e)
		for _, q := range seqs {
			codes := make([]uint16, len(q))
			for i, id := range q {
				if h.code[id] == 0 {
					h.code[id] = next
					next++
				}
				codes[i] = h.code[id]
			}
			pats = append(pats, pattern{codes: codes, word: int32(len(h.words) - 1)})
		}
	}
	h.ac = buildAutomaton(pats, int(next))
	h.han = make([]uint16, len(sy.id))
	for i, id := range sy.id {
		h.han[i] = h.code[id]
	}
	return h
}

// codeOf returns the alphabet code of a normalized rune. Small enough to
// inline into the hot loop; runes other than the common Han block go out
// of line.
func (h *homophones) codeOf(s *Scanner, r rune) uint16 {
	if uint32(r-hanBase) <= hanEnd-hanBase {
		return h.han[r-hanBase]
	}
	return nonHanCode(s, r)
}

// nonHanCode is codeOf for runes outside the common Han block; kept out
// of line so that codeOf inlines.
//
//go:noinline
func nonHanCode(s *Scanner, r rune) uint16 {
	if s.code(r) == codeSkip {
		return codeSkip
	}
	return codeReset
}

// matchHomophones reports the homophone spellings of the entries that ask
// for them, from runes[from] on in state (0 and root: the whole text). A
// span whose characters are the word itself is left to the keyword
// matcher.
func (s *Scanner) matchHomophones(text string, runes []rune, offs []int32, dst []Finding, from int, state int32) []Finding {
	h := s.hom
	nodes, fail := h.ac.nodes, h.ac.fail
	for i := from; i < len(runes); i++ {
		r := runes[i]
		c := h.codeOf(s, r)
		if c == codeSkip {
			continue
		}
		if c == codeReset {
			state = root
			continue
		}
		state = follow(nodes, fail, state, c)
		if nodes[state].base >= 0 {
			continue
		}
	outs:
		for o := h.ac.out[state]; o >= 0; o = h.ac.outs[o].next {
			e := h.words[h.ac.outs[o].word]
			start, k := i, len(e.letters)-1
			same := runes[i] == e.letters[k]
			particle, doubt := !same && isParticle(runes[i]), false
			changed := 0
			if !same {
				changed++
			}
			last := runes[i]
			for k > 0 {
				start--
				if r := runes[start]; h.codeOf(s, r) != codeSkip {
					k--
					same = same && r == e.letters[k]
					if r != e.letters[k] {
						changed++
						particle = particle || isParticle(r)
					}
					doubt = doubt || r == last && isOrdinaryDouble(r)
					last = r
				}
			}
			if same {
				continue
			}
			// A particle in place of a letter is doubtful (败家了 for
			// 百家乐) unless it is the only change in a word of three or
			// more characters written as listed otherwise (滚你吗, 日你吗 for
			// 滚你妈, 日你妈: red9c): 滚你 and 日你 are the word itself.
			doubt = doubt || particle && (changed >= 2 || len(e.letters) <= 2)
			f := Finding{Kind: KindKeyword, Tag: e.tag, Form: FormHomophone, Confidence: confHomophone}
			if h.near(runes, start, i, e) {
				f.Confidence = confNearHomophone
			}
			if len(e.letters) == 2 && start > 0 && isSurname(runes[start-1]) {
				// 欧锡强 (xi qiang, like 洗钱), 王冰都: two characters after a
				// surname are most likely a given name.
				doubt = true
			}
			if doubt {
				f.Confidence = confHomophoneDoubt
			}
			f.Start, f.End = span(offs, start, i)
			for _, d := range dst {
				if d.Kind == KindKeyword && d.Tag == f.Tag && d.Start <= f.Start && d.End >= f.End {
					continue outs // inside a finding of another form (女马的 holds 马的)
				}
			}
			dst = append(dst, f)
		}
	}
	return dst
}

// near reports whether the homophone of e at runes[start..end] needs one
// of nearSyllable's merges: some character does not read like the letter
// it stands for.
func (h *homophones) near(runes []rune, start, end int, e homEntry) bool {
	k := 0
	for i := start; i <= end && k < len(e.letters); i++ {
		r := runes[i]
		if r < hanBase || r > hanEnd || h.han[r-hanBase] == 0 {
			continue // noise or markers between the characters
		}
		if r != e.letters[k] && !slices.Contains(e.exact[k], h.sy.exact[r-hanBase]) {
			return true
		}
		k++
	}
	return false
}

// surnames are the commonest Chinese surnames that are seldom ordinary
// words before a noun (高, 方, 金, 白 … are left out). Curated: no Go
// module ships a surname list.
const surnames = "王李张刘陈杨黄赵吴周徐孙胡朱郭何罗梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛阎潘杜戴钟汪姜范姚谭廖邹熊陆郝孔崔康毛邱秦顾侯邵孟段雷汤尹黎乔贺赖龚欧"

func isSurname(r rune) bool { return r >= hanBase && strings.ContainsRune(surnames, r) }

// particles are grammatical characters that ordinary sentences put next to
// anything (败家了 reads bai jia le like 百家乐): a homophone that needs one of
// them in place of a character of the word is doubtful. 么 is left out: 特么
// for 他妈 is the slang itself.
const particles = "了着过的地得吗呢吧啊呀哦嘛啦"

func isParticle(r rune) bool { return strings.ContainsRune(particles, r) }
