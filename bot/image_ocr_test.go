package bot_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/imagescan/imagescantest"
	"github.com/wecom-guard/wecom-guard/bot/ocr"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// fixedText is an OCR that reads the same text in every image.
type fixedText struct {
	text string
	err  error
}

func (f fixedText) Text(context.Context, []byte) (string, error) { return f.text, f.err }

var _ bot.TextReader = fixedText{}
var _ bot.TextReader = (*ocr.Tesseract)(nil)

func ocrPipeline(t *testing.T, r bot.TextReader) (*bot.Pipeline, *store.Store) {
	t.Helper()
	st := storetest.New(t)
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }, Images: bot.ImageConfig{OCR: r}})
	if err != nil {
		t.Fatal(err)
	}
	return p, st
}

func TestImageTextThroughTheEngine(t *testing.T) {
	ctx := context.Background()
	photo := imagescantest.JPEG(t, imagescantest.Photo(640, 480))
	group := imagescantest.OnPhoto(t, imagescantest.QR(t, groupInvite, 260), 900, 700, 600, 380)
	for _, tc := range []struct {
		name   string
		data   []byte
		ocr    fixedText
		labels []string // of the hits, in order
		failed string
	}{
		{name: "text only", data: photo, ocr: fixedText{text: "客户电话 13812345678 请回电"}, labels: []string{bot.OCREvidenceLabel}},
		{name: "qr and text", data: group, ocr: fixedText{text: "客户电话 13812345678"}, labels: []string{bot.QREvidenceLabel, bot.OCREvidenceLabel}},
		{name: "ocr failed", data: group, ocr: fixedText{err: errors.New("read text in image: ocr timed out")}, labels: []string{bot.QREvidenceLabel}, failed: "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, st := ocrPipeline(t, tc.ocr)
			got := p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, "ocr1", tc.data)}, nil)[0]
			if got.Image == nil || got.Image.OCRFailed != tc.failed {
				t.Fatalf("result %+v", got)
			}
			v, ok, err := st.Violation(ctx, bot.ArchiveIDPrefix+"ocr1")
			if err != nil || !ok {
				t.Fatalf("no violation: %v", err)
			}
			var labels []string
			for _, h := range v.Hits {
				label, _, _ := strings.Cut(h.Masked, "：")
				labels = append(labels, label)
				if strings.Contains(h.Masked, "13812345678") {
					t.Errorf("evidence %q shows the phone number", h.Masked)
				}
			}
			if strings.Join(labels, ",") != strings.Join(tc.labels, ",") {
				t.Errorf("labels %v, want %v (hits %+v)", labels, tc.labels, v.Hits)
			}
		})
	}
	// A photo with neither QR code nor text is no violation.
	p, _ := ocrPipeline(t, fixedText{})
	if got := p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, "ocr2", photo)}, nil)[0]; got.Status != bot.IngestSkipped {
		t.Errorf("empty photo: %+v", got)
	}
}

// drawText renders s in the Go font at 48 px, black on white: an image
// the real Tesseract reads.
func drawText(t *testing.T, s string) []byte {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 48, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewRGBA(image.Rect(0, 0, 40+30*len(s), 100))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(20, 65)}
	d.DrawString(s)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImageTextWithTesseract runs the real tesseract (Debian's
// tesseract-ocr and tesseract-ocr-chi-sim) when it is installed.
func TestImageTextWithTesseract(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
	}
	tess, err := ocr.New(ocr.Config{})
	if err != nil {
		t.Fatal(err)
	}
	img := drawText(t, "Call 13812345678 now")
	text, err := tess.Text(context.Background(), img)
	if err != nil || !strings.Contains(strings.ReplaceAll(text, " ", ""), "13812345678") {
		t.Fatalf("tesseract read %q, %v", text, err)
	}
	p, st := ocrPipeline(t, tess)
	ctx := context.Background()
	p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, "ocr3", img)}, nil)
	v, ok, err := st.Violation(ctx, bot.ArchiveIDPrefix+"ocr3")
	if err != nil || !ok || !strings.HasPrefix(v.Hits[0].Masked, bot.OCREvidenceLabel+"：") {
		t.Fatalf("violation %+v, %v, %v; want the phone number in the image's text", v, ok, err)
	}
}

// zenhei is Debian's fonts-wqy-zenhei, a CJK font the CI installs.
const zenhei = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

// needCJKOCR skips the test when tesseract, its chi_sim pack or the CJK
// font is missing, except under CI (env CI set), which installs them.
func needCJKOCR(t *testing.T) *ocr.Tesseract {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI must install tesseract-ocr, tesseract-ocr-chi-sim and fonts-wqy-zenhei", what)
		}
		t.Skip(what + " (apt-get install tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei)")
	}
	if _, err := exec.LookPath("tesseract"); err != nil {
		missing("tesseract is not installed")
	}
	if _, err := os.Stat(zenhei); err != nil {
		missing("the font " + zenhei + " is missing")
	}
	tess, err := ocr.New(ocr.Config{Languages: "chi_sim+eng"})
	if err != nil {
		missing(err.Error())
	}
	if slices.Contains(tess.Missing(), "chi_sim") {
		missing("tesseract's chi_sim pack is not installed")
	}
	return tess
}

// alignedFont copies font index of the collection ttc into a font file of
// its own with every table on a 4-byte boundary. Written by hand because
// golang.org/x/image/font/sfnt (ParseCollection) refuses wqy-zenhei.ttc:
// its tables start at odd offsets ("sfnt: invalid table offset"), which
// the OpenType spec forbids but FreeType and Tesseract's renderers accept;
// no maintained Go library rewrites a font's table directory.
func alignedFont(t *testing.T, ttc []byte, index int) []byte {
	t.Helper()
	u16 := func(b []byte) int { return int(binary.BigEndian.Uint16(b)) }
	u32 := func(b []byte) int { return int(binary.BigEndian.Uint32(b)) }
	if len(ttc) < 16 || string(ttc[:4]) != "ttcf" || index >= u32(ttc[8:]) {
		t.Fatalf("not a font collection with a font %d", index)
	}
	at := u32(ttc[12+4*index:])
	n := u16(ttc[at+4:])
	head := 12 + 16*n
	out := make([]byte, head, len(ttc))
	copy(out, ttc[at:at+12]) // sfnt version and the search fields
	for i := range n {
		rec := ttc[at+12+16*i : at+28+16*i]
		off, size := u32(rec[8:]), u32(rec[12:])
		if off+size > len(ttc) {
			t.Fatalf("table %q out of the file", rec[:4])
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		dst := out[12+16*i : 28+16*i]
		copy(dst, rec[:8]) // tag and checksum
		binary.BigEndian.PutUint32(dst[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(dst[12:], uint32(size))
		out = append(out, ttc[off:off+size]...)
	}
	return out
}

// drawChinese renders lines in WenQuanYi Zen Hei at 40 px, black on white.
func drawChinese(t *testing.T, lines ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(zenhei)
	if err != nil {
		t.Fatal(err)
	}
	f, err := opentype.Parse(alignedFont(t, data, 0))
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 40, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	width := 0
	for _, l := range lines {
		width = max(width, font.MeasureString(face, l).Ceil())
	}
	img := image.NewRGBA(image.Rect(0, 0, width+80, 60*len(lines)+60))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for i, l := range lines {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(40, 70+60*i)}
		d.DrawString(l)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestChineseImageTextWithTesseract: a listed phrase of the default
// secrets list, drawn in a CJK font, is read by the real tesseract with
// chi_sim and found by the engine as 图片文字.
func TestChineseImageTextWithTesseract(t *testing.T) {
	tess := needCJKOCR(t)
	if tess.Languages() != "chi_sim+eng" {
		t.Fatalf("languages %q, want chi_sim+eng", tess.Languages())
	}
	const phrase = "机密文件" // listed in the default secrets list
	img := drawChinese(t, "周五下午例会改到三楼", phrase+"今晚发你邮箱")
	text, err := tess.Text(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), phrase) {
		t.Fatalf("tesseract read %q; want %q in it", text, phrase)
	}
	p, st := ocrPipeline(t, tess)
	ctx := context.Background()
	p.IngestArchive(ctx, []wecom.ArchiveRecord{imageRecord(t, "ocr-zh", img)}, nil)
	v, ok, err := st.Violation(ctx, bot.ArchiveIDPrefix+"ocr-zh")
	if err != nil || !ok {
		t.Fatalf("no violation for the image's text %q: %v", text, err)
	}
	found := false
	for _, h := range v.Hits {
		if h.Category == "secrets" && strings.HasPrefix(h.Masked, bot.OCREvidenceLabel+"：") {
			found = true
		}
	}
	if !found {
		t.Errorf("hits %+v; want the secrets phrase as 图片文字", v.Hits)
	}
}
