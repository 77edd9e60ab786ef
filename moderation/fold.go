package moderation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/unicode/norm"
)

// This file holds the look-alike folding applied when the per-rune tables
// are built (so it costs nothing per message): Unicode UTS #39 confusables
// for the letters of Latin, Greek, Cyrillic and the other non-CJK alphabets
// (Armenian ս, Lisu ꓓ, Cherokee …), small capitals,
// negative circled and squared letters, CJK Radicals Supplement forms and
// Japanese shinjitai variants. Latin letters with diacritics (pinyin tone
// marks: dǔbó) fold to their base letter.

// cjkScripts are never folded to Latin (〇 is no O, 口 no o).
var cjkScripts = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo, unicode.Yi}

// smallCapitals are the IPA and phonetic-extension small capitals, which
// NFKC leaves alone and confusables.txt does not map to ASCII: every Latin
// small capital of one letter (ꞯ U+A7AF for q, held9f), plain or with a
// hook, bar, stroke, belt or leg that still reads as the letter (ʛ, ᴃ, ᴌ,
// 𝼄, ꭆ); TestSmallCapitalsFold checks the list against Unicode's names.
// Reversed and turned ones (ᴎ, ᴚ, ꟺ) read as other letters and stay.
// ĸ (kra) is the Latin letter confusables.txt maps Greek κ to.
const smallCapitals = "ᴀaʙbᴄcᴅdᴇeꜰfɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpǫqꞯqʀrꜱsᴛtᴜuᴠvᴡwʏyᴢz" +
	"ʛgᴃbᴌl𝼄lꭆrĸk"

// strokedLetters are letters with a stroke or hook that read as the Latin
// letter they are drawn on, which confusables.txt does not map to it
// (red10: ғuck with Cyrillic ghe with stroke, ʄuck with dotless j with
// stroke and hook, ꞙ the Latin f with stroke).
const strokedLetters = "ғfҒfʄfꞙfꞘf"

// fauxLatin are Cyrillic letters that the "faux Cyrillic" of chat and
// posters writes for the Latin letter they are drawn like, although
// confusables.txt maps them to nothing in ASCII (red13r: фuck, fцck): ф
// for f (its stem and bowl), ц for u, и for n (a reversed N), я for r (a
// reversed R), ш for w, м for m (drawn as a small capital M; confusables.txt
// maps it to the turned w ʍ). Chinese input methods offer them (GB2312 row 7).
// They are Russian letters too, so a word written wholly in Cyrillic is
// not read through them (inCyrillicWord): сим in сим-карта would be the
// initials cnm of 操你妈 (review rev13r).
const fauxLatin = "фfФfцuЦuиnИnяrЯrшwШwмm"

// inCyrillicWord reports whether the finding text[bs:be] reads one of the
// fauxLatin letters inside a word written wholly in Cyrillic: a Russian
// word (сим-карта, симв., мир, Шура), not a Latin one in disguise. Faux
// Cyrillic mixes the scripts (фuck, fцck, poяn), as UTS #39 calls a
// mixed-script word the sign of spoofing; a word of Cyrillic letters alone
// that happens to fold to a listed Latin word (фцск) is given up for it.
// The word runs over the letters on both sides of the finding that are
// not Chinese or Japanese (我的сим卡 is the word сим). Letters that
// confusables.txt maps to Latin (ѕех) are read as before.
func inCyrillicWord(text string, bs, be int) bool {
	faux := false
	for _, r := range text[bs:be] {
		switch r {
		case 'ф', 'Ф', 'ц', 'Ц', 'и', 'И', 'я', 'Я', 'ш', 'Ш', 'м', 'М':
			faux = true
		}
	}
	if !faux {
		return false
	}
	wordLetter := func(r rune) bool { return unicode.IsLetter(r) && !unicode.In(r, cjkScripts...) }
	ws, we := bs, be
	for ws > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:ws])
		if !wordLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		ws -= n
	}
	for we < len(text) {
		r, n := utf8.DecodeRuneInString(text[we:])
		if !wordLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		we += n
	}
	for _, r := range text[ws:we] {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Cyrillic, r) {
			return false
		}
	}
	return true
}

// radicalIdeographs are the CJK Radicals Supplement forms that
// confusables.txt leaves out although each is written as the whole
// ideograph it stands for (Unicode's EquivalentUnifiedIdeograph.txt):
// ⺩ (JADE) for 王, ⺜ for 日, ⻆ for 角. Forms that only occur as a part of a
// character (⺮, ⻊) stay as they are.
const radicalIdeographs = "⺁厂⺆冂⺊卜⺌小⺕彐⺜日⺝月⺥爫⺩王⺪疋⺬示⺰纟⺼月⺽臼⻆角⻗雨⻣骨⻦鸟⻧卤⻪黾" +
	// The side forms people type when they split a character (衤果 for 裸,
	// 钅戋 for 钱), read as the characters they stand for, as the split
	// table writes them (衣果, 金戋). They are ideographs of their own, but
	// never words in chat.
	"衤衣礻示钅金讠言饣食亻人氵水扌手"

// hanLookalikes are ideographs drawn like another that chat uses only for
// it: 曰 (classical "to say", a wider 日) for 日 in curses (狗曰的, 曰你妈;
// red9c). Unlike the Japanese forms they are GB2312 characters, so each is
// listed here only when modern work chat has no word of its own with it.
const hanLookalikes = "曰日"

// japaneseVariants maps Japanese shinjitai forms to simplified Chinese. It is
// curated because the OpenCC module embeds its JP dictionaries unexported and
// offers no jp2t conversion; only characters outside GB2312 are folded (see
// japaneseTable), so an ordinary Chinese character (芸, 湾) is never changed
// even if it is listed here by mistake.
const japaneseVariants = "売卖伝传広广読读気气図图黒黑駅驿辺边渉涉戦战単单弾弹桜樱様样楽乐薬药" +
	"験验険险検检剣剑権权観观歓欢顕显済济斎斋剤剂挙举営营労劳栄荣覚觉拠据処处仏佛" +
	"払拂沢泽択择訳译駆驱経经軽轻恵惠価价倹俭県县圏圈巻卷勧劝髪发抜拔蔵藏臓脏総总" +
	"窓窗従从縦纵獣兽厳严壊坏懐怀悩恼脳脑猟猎鉄铁隷隶変变蛍萤亜亚悪恶圧压囲围為为" +
	"隠隐穏稳仮假絵绘拡扩殻壳獲获陥陷関关帰归亀龟偽伪戯戏犠牺郷乡暁晓勲勋継继鶏鸡" +
	"撃击鉱矿砕碎雑杂桟栈賛赞歯齿児儿実实釈释収收渋涩粛肃奨奖焼烧証证乗乘浄净剰剩" +
	"畳叠縄绳壌壤嬢娘譲让醸酿粋粹酔醉髄髓瀬濑斉齐摂摄専专銭钱繊纤荘庄捜搜挿插巣巢" +
	"層层騒骚増增贈赠続续対对帯带滝泷嘆叹団团遅迟鋳铸庁厅聴听鎮镇逓递転转稲稻闘斗" +
	"徳德覇霸廃废拝拜発发浜滨餅饼穂穗豊丰満满黙默揺摇謡谣頼赖覧览欄栏竜龙虜虏両两" +
	"緑绿涙泪塁垒類类霊灵齢龄暦历歴历録录砲炮"

// lookalikeFold holds the pre-NFKC look-alike mappings of single runes.
type lookalikeFold struct {
	pre map[rune]rune // folded before NFKC: radicals, Japanese forms, small capitals, negative letters
}

func newLookalikeFold() *lookalikeFold {
	f := &lookalikeFold{pre: make(map[rune]rune, 512)}
	for s := smallCapitals; s != ""; {
		from, n := utf8.DecodeRuneInString(s)
		to, m := utf8.DecodeRuneInString(s[n:])
		f.pre[from] = to
		s = s[n+m:]
	}
	for s := strokedLetters + fauxLatin; s != ""; {
		from, n := utf8.DecodeRuneInString(s)
		to, m := utf8.DecodeRuneInString(s[n:])
		f.pre[from] = to
		s = s[n+m:]
	}
	// Negative circled (🅐) and negative squared (🅰) capitals have no
	// decomposition; squared (🄰) and circled ones fold through NFKC.
	for i := range rune(26) {
		f.pre[0x1F150+i] = 'a' + i
		f.pre[0x1F170+i] = 'a' + i
	}
	// CJK Radicals Supplement (⻩): confusables.txt maps them to the
	// unified ideograph they stand for.
	for r := rune(0x2E80); r <= 0x2EFF; r++ {
		sk := confusables.Skeleton(string(r))
		if to, n := utf8.DecodeRuneInString(sk); n == len(sk) && to != r && unicode.Is(unicode.Han, to) && to >= 0x4E00 {
			f.pre[r] = to
		}
	}
	for s := radicalIdeographs; s != ""; {
		from, n := utf8.DecodeRuneInString(s)
		to, m := utf8.DecodeRuneInString(s[n:])
		s = s[n+m:]
		if _, ok := f.pre[from]; !ok {
			f.pre[from] = to
		}
	}
	for s := hanLookalikes; s != ""; {
		from, n := utf8.DecodeRuneInString(s)
		to, m := utf8.DecodeRuneInString(s[n:])
		s = s[n+m:]
		f.pre[from] = to
	}
	enc := simplifiedchinese.GBK.NewEncoder()
	for s := japaneseVariants; s != ""; {
		from, n := utf8.DecodeRuneInString(s)
		to, m := utf8.DecodeRuneInString(s[n:])
		s = s[n+m:]
		if b, err := enc.Bytes([]byte(string(from))); err == nil && len(b) == 2 && b[0] >= 0xA1 && b[0] <= 0xF7 && b[1] >= 0xA1 {
			continue // a GB2312 character: ordinary Chinese, never folded
		}
		f.pre[from] = to
	}
	return f
}

// post folds one rune of the NFKC/case-folded form: Latin letters with
// diacritics to their base letter (not a look-alike: pinyin tones, é), and
// confusable letters of the alphabets above to ASCII (a look-alike). It
// returns the replacement and whether it is a look-alike; ok is false when
// the rune stays as it is. Only ASCII results of at most three letters are
// taken, so letters that resemble nothing Latin keep their identity.
func (f *lookalikeFold) post(m rune) (repl string, lookalike, ok bool) {
	if m < utf8.RuneSelf || !unicode.IsLetter(m) || unicode.In(m, cjkScripts...) || !norm.NFKC.IsNormalString(string(m)) {
		return "", false, false // NFKC folds it (full-width Ｆ): not a look-alike
	}
	if base := stripMarks(norm.NFD.String(string(m))); isASCIIWord(base) {
		return base, !unicode.Is(unicode.Latin, m), true
	}
	sk := strings.ToLower(stripMarks(confusables.Skeleton(string(m))))
	if sk == "l" && unicode.IsUpper(m) {
		// The skeleton writes capital I as l (they look alike): a capital
		// that looks like l (Greek Ι, Cyrillic І) stands for I, which case
		// folding makes i (ΒΑΙJΙΑLΕ is BAIJIALE).
		sk = "i"
	}
	if isASCIIWord(sk) && len(sk) <= 3 {
		return sk, true, true
	}
	// A skeleton that is itself a small capital or ĸ (Greek τ is ᴛ, κ is
	// ĸ, ᴩ is ᴘ): fold it on as that letter would be.
	if r, n := utf8.DecodeRuneInString(sk); n == len(sk) && n > 1 {
		if to, ok := f.pre[r]; ok && to < utf8.RuneSelf {
			return string(to), true, true
		}
	}
	return "", false, false
}

func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
}

// isASCIIWord reports whether s is non-empty lowercase ASCII letters and digits.
func isASCIIWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isBidiControl reports the embedding, override and isolate controls.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}
