package bot_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os/exec"
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
