package dlp

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// Document describes one protected document: what HR sees and the audit
// log keeps. It holds none of the text.
type Document struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Version  int64  `json:"version"`
	// Chars is the document's length in normalized characters, Paragraphs
	// its number of paragraphs, Prints its number of fingerprints.
	Chars      int       `json:"chars"`
	Paragraphs int       `json:"paragraphs"`
	Prints     int       `json:"prints"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// Prints is what is stored of a document: where its paragraphs start (in
// normalized characters) and its fingerprints, keyed as Format says.
type Prints struct {
	Format     int
	Chars      int
	Paragraphs []uint32
	Prints     []Fingerprint
	// Tags are the probe tags of a short document's k-grams (format 5,
	// Key.gram: sorted, each once), which a message's k-grams are looked
	// up in before any is keyed with SipHash-2-4; see PrintsFormatTagged.
	// Format 4 stored tags of another kind, no longer read.
	Tags []uint32
}

// Fingerprint formats (Prints.Format): how a stored fingerprint is keyed
// and selected. Both fold the text the same way and winnow it the same
// way, but format 2 keys the selection too (see selection), so the two
// keep different k-grams of a document.
const (
	// PrintsFormatAES: AES of the k-gram hash (Key.fingerprintAES),
	// selected unkeyed, stored without a format word; documents uploaded
	// before format 2.
	PrintsFormatAES = 1
	// PrintsFormatSipHash: SipHash-2-4 of the k-gram hash
	// (Key.fingerprint), selected under the secret (Key.sel), stored after
	// a format word.
	PrintsFormatSipHash = 2
	// PrintsFormatDense: a short document (under DenseChars) whose every
	// k-gram is stored, hashed as in format 2; see DenseChars.
	PrintsFormatDense = 3
	// PrintsFormatMixTags: format 3 with probe tags that were the
	// selection's keyed mix, one more secret xor and multiplication and
	// the top 32 bits (Prints.Tags, stored from 1 to 2 December 2026).
	// Those tags are read but not used: from one known document and its
	// tags the keys were a matter of solving two rounds of xor and
	// multiplication, and with them the tags of other documents would
	// confirm guesses of their text. The document is matched as one of
	// format 3; uploading it again stores format 5.
	PrintsFormatMixTags = 4
	// PrintsFormatTagged: format 3 with the probe tag of every k-gram
	// (Prints.Tags), 32 bits of SipHash-1-3 under a key of their own, so
	// that a message of any length is looked up at every k-gram in the
	// short documents; see gramKey.
	PrintsFormatTagged = 5
)

// DenseChars: a document of fewer normalized characters is stored with
// the fingerprint of every k-gram (format 3; format 5 with a probe tag of
// each, see gramKey), not only winnowing's.
//
// Why: a changed character breaks the K k-grams around it. Winnowed, a
// sentence of 24 to 47 characters keeps two or three fingerprints, and an
// edit often leaves the copy none the message also selects, or only one,
// which is estimated like a phrase in common: one changed character hid
// 18–50 % of such copies (TestEstimateOverKeys before format 3). With
// every k-gram stored, any k-gram of the copy the message selects is a
// hit, the walk from it (extend) checks every neighbouring k-gram and
// steps over the K an edit breaks, and the copy's ends are exact (no
// fingerprint is left out between them). It costs at most DenseChars-K+1
// fingerprints a document. It tells no more without the secret than
// format 2 does: every position is stored, so the positions say only the
// length, and each k-gram is SipHash under the secret.
//
// From 64 characters on winnowing is enough: one changed character leaves
// a run of at least 31 characters unbroken on one side, more than the
// Guarantee of 23, so a fingerprint of the document is certain to be the
// message's, and the copy is long enough for the estimate to reach its
// threshold (a sentence of 60 characters with one changed: none of 200
// copies missed in format 2, TestEstimateOverKeys).
const DenseChars = 64

// formatWord marks an encoding that starts with its format: the first word
// of format 1 is the document's length in characters, below 2³¹.
const formatWord = 1 << 31

// MaxDocumentBytes bounds an uploaded document (and a .docx's text).
const MaxDocumentBytes = 32 << 20

// Extract returns the paragraphs of a document file: plain text and
// Markdown (.txt, .md; paragraphs are lines, blank lines ignored) and Word
// (.docx: the w:p paragraphs of word/document.xml, read with the standard
// library's zip and xml). PDF is refused: no maintained pure-Go text
// extractor is available to this project.
func Extract(filename string, data []byte) ([]string, error) {
	switch ext := strings.ToLower(path.Ext(filename)); ext {
	case ".txt", ".md", ".markdown", ".text", "":
		if !utf8.Valid(data) {
			return nil, errors.New("文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再上传")
		}
		return lines(string(bytes.TrimPrefix(data, []byte("\ufeff")))), nil
	case ".docx":
		return extractDocx(data)
	case ".pdf":
		return nil, errors.New("暂不支持 PDF：请另存为 .docx 或 .txt 后上传")
	default:
		return nil, fmt.Errorf("不支持的文件类型 %q：请上传 .txt、.md 或 .docx", ext)
	}
}

func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// extractDocx reads the paragraphs of word/document.xml.
func extractDocx(data []byte) ([]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("不是有效的 .docx 文件（%v）", err)
	}
	var doc *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			doc = f
		}
	}
	if doc == nil {
		return nil, errors.New("不是有效的 .docx 文件：缺少 word/document.xml")
	}
	rc, err := doc.Open()
	if err != nil {
		return nil, fmt.Errorf("读取 .docx 失败（%v）", err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, MaxDocumentBytes))
	var (
		out  []string
		para strings.Builder
		inT  bool
	)
	const wordNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("不是有效的 .docx 文件（%v）", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inT = true
			case "tab", "br":
				para.WriteByte(' ')
			}
		case xml.EndElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inT = false
			case "p":
				if s := strings.TrimSpace(para.String()); s != "" {
					out = append(out, s)
				}
				para.Reset()
			}
		case xml.CharData:
			if inT {
				para.Write(t)
			}
		}
	}
	return out, nil
}

// FingerprintDocument normalizes the paragraphs of a document and returns
// its fingerprints and paragraph starts; the text itself is not kept.
func FingerprintDocument(key *Key, paragraphs []string) Prints {
	nt, p := foldParagraphs(paragraphs)
	if p.Chars < DenseChars {
		keys := kgrams(key.sel, nt.runes, nil)
		p.Prints = make([]Fingerprint, len(keys))
		p.Tags = make([]uint32, len(keys))
		for i, h := range keys {
			p.Prints[i] = Fingerprint{Hash: h, Pos: uint32(i)}
			p.Tags[i] = key.gram.tag(h)
		}
		slices.Sort(p.Tags)
		p.Tags = slices.Compact(p.Tags)
		p.Format = PrintsFormatTagged
	} else {
		p.Prints, _ = winnow(key.sel, nt.runes, nil, nil)
		p.Format = PrintsFormatSipHash
	}
	for i := range p.Prints {
		p.Prints[i].Hash = key.fingerprint(p.Prints[i].Hash)
	}
	return p
}

// foldParagraphs normalizes the paragraphs of a document into one text,
// and returns it with Prints holding their starts and the length.
func foldParagraphs(paragraphs []string) (normText, Prints) {
	n := moderation.NewNormalizer()
	var nt normText
	p := Prints{Paragraphs: make([]uint32, 0, len(paragraphs))}
	for _, para := range paragraphs {
		before := len(nt.runes)
		nt.fold(n, para, 0)
		if len(nt.runes) > before {
			p.Paragraphs = append(p.Paragraphs, uint32(before))
		}
	}
	p.Chars = len(nt.runes)
	return nt, p
}

// Encode returns the stored form of p: the format word (from format 2 on),
// the counts, the paragraph starts and the fingerprints, and in formats 4
// and 5 the number of tags and the tags, little-endian.
func (p Prints) Encode() []byte {
	b := make([]byte, 0, 20+4*len(p.Paragraphs)+12*len(p.Prints)+4*len(p.Tags))
	if p.Format >= PrintsFormatSipHash { // 0 (unset) is format 1, as before formats
		b = binary.LittleEndian.AppendUint32(b, formatWord|uint32(p.Format))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(p.Chars))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Paragraphs)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Prints)))
	for _, s := range p.Paragraphs {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	for _, f := range p.Prints {
		b = binary.LittleEndian.AppendUint64(b, f.Hash)
		b = binary.LittleEndian.AppendUint32(b, f.Pos)
	}
	if p.Format == PrintsFormatTagged || p.Format == PrintsFormatMixTags {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Tags)))
		for _, t := range p.Tags {
			b = binary.LittleEndian.AppendUint32(b, t)
		}
	}
	return b
}

// DecodePrints reads what Encode wrote, in any of the five formats.
func DecodePrints(b []byte) (Prints, error) {
	format := PrintsFormatAES
	if len(b) >= 4 && binary.LittleEndian.Uint32(b)&formatWord != 0 {
		format = int(binary.LittleEndian.Uint32(b) &^ formatWord)
		if format < PrintsFormatSipHash || format > PrintsFormatTagged {
			return Prints{}, fmt.Errorf("decode fingerprints: format %d: %w", format, ErrUnknownFormat)
		}
		b = b[4:]
	}
	if len(b) < 12 {
		return Prints{}, errors.New("decode fingerprints: too short")
	}
	chars, np, nf := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])
	size := 12 + 4*uint64(np) + 12*uint64(nf)
	var nt uint64
	tags := format == PrintsFormatTagged || format == PrintsFormatMixTags
	if tags {
		if uint64(len(b)) < size+4 {
			return Prints{}, fmt.Errorf("decode fingerprints: format %d without its tags", format)
		}
		nt = uint64(binary.LittleEndian.Uint32(b[size:]))
		size += 4 + 4*nt
	}
	if uint64(len(b)) != size {
		return Prints{}, fmt.Errorf("decode fingerprints: %d bytes for %d paragraphs, %d fingerprints and %d tags", len(b), np, nf, nt)
	}
	p := Prints{Format: format, Chars: int(chars), Paragraphs: make([]uint32, np), Prints: make([]Fingerprint, nf)}
	b = b[12:]
	for i := range p.Paragraphs {
		p.Paragraphs[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	b = b[4*np:]
	for i := range p.Prints {
		p.Prints[i] = Fingerprint{Hash: binary.LittleEndian.Uint64(b[12*i:]), Pos: binary.LittleEndian.Uint32(b[12*i+8:])}
	}
	if tags {
		b = b[12*nf+4:]
		p.Tags = make([]uint32, nt)
		for i := range p.Tags {
			p.Tags[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
	}
	return p, nil
}
