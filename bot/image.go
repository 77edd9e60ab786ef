package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/imagescan"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// QREvidenceLabel starts the evidence of a hit found in the payload of a
// QR code in an image, so that the person warned and HR see where the
// link was: "图片中的二维码：https://weixin.qq.com/***".
const QREvidenceLabel = "图片中的二维码"

// OCREvidenceLabel starts the evidence of a hit found in the text OCR read
// in an image: "图片文字：加我微信***".
const OCREvidenceLabel = "图片文字"

// TextReader reads the text in an image (bot/ocr.Tesseract); it runs only
// on images imagescan accepted (size, pixels).
type TextReader interface {
	Text(ctx context.Context, image []byte) (string, error)
}

// MediaFetcher downloads the media of a message to the app by its MediaId
// (wecom.Client.GetMedia).
type MediaFetcher interface {
	GetMedia(ctx context.Context, mediaID string, maxBytes int64) (wecom.Media, error)
}

// ImageConfig is how images are checked: the QR codes in them are decoded
// (bot/imagescan) and their payloads go through the policy like text.
// Images are never stored; only the verdict and their SHA-256 are.
type ImageConfig struct {
	// Media downloads image messages to the app; nil leaves them
	// unchecked (acknowledged, as before).
	Media MediaFetcher
	// Limits bound every image (imagescan defaults when zero). The
	// download is bounded by Limits.MaxBytes too.
	Limits imagescan.Limits
	// OCR, when set, reads the text in images; it goes through the policy
	// with the QR payloads, its hits labelled OCREvidenceLabel.
	OCR TextReader
}

// ImageVerdict is what became of one image: its hash and how many QR
// codes it held, or why it was refused (too large, a decompression bomb,
// unreadable, too slow). It never holds the image or the payloads.
type ImageVerdict struct {
	SHA256  string `json:"sha256,omitempty"`
	QRCodes int    `json:"qr_codes"`
	// Kinds says what the codes were (wechat_group, wechat_contact, wecom,
	// url, text; imagescan.Classify), one per code, never the payloads.
	Kinds   []imagescan.PayloadKind `json:"kinds,omitempty"`
	Refused string                  `json:"refused,omitempty"`
	// TextChars is how many characters OCR read (never the text).
	TextChars int `json:"text_chars,omitempty"`
	// OCRFailed says why OCR read nothing (timeout, failed); the QR codes
	// are checked all the same.
	OCRFailed string `json:"ocr_failed,omitempty"`
}

// ProcessImage checks the QR codes of an image sent as m (whose Text is
// ignored): their payloads, one a line, are checked like the text of a
// message of the same chat, and each hit's evidence is labelled
// QREvidenceLabel. An image that breaks a limit or does not decode is
// refused with a log line giving the reason and its hash, and marked
// processed: sending it again would not help. A message processed before
// answers as Process does for a duplicate, without scanning again (one
// whose mark is a plan is completed from it).
func (p *Pipeline) ProcessImage(ctx context.Context, m Message, data []byte) (Result, ImageVerdict, error) {
	seen, plan, err := p.cfg.Store.SeenPlan(ctx, m.ID)
	if err != nil {
		return Result{}, ImageVerdict{}, fmt.Errorf("dedup %s: %w: %w", m.ID, ErrUnavailable, err)
	}
	if plan != nil {
		// Decided before: completed from its plan, not scanned again.
		res, err := p.completePlan(ctx, m, plan)
		return res, ImageVerdict{SHA256: imagescan.Hash(data)}, err
	}
	if seen {
		res, err := p.repeatWarning(ctx, m)
		return res, ImageVerdict{SHA256: imagescan.Hash(data)}, err
	}
	log := zerolog.Ctx(ctx)
	scan, err := imagescan.Scan(ctx, data, p.cfg.Images.Limits)
	iv := ImageVerdict{SHA256: scan.SHA256, QRCodes: len(scan.QR)}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, imagescan.ErrTimeout) {
			return Result{}, iv, fmt.Errorf("scan image of %s: %w: %w", m.ID, ErrUnavailable, ctx.Err())
		}
		iv.Refused = refusalCode(err)
		log.Warn().Str("msg", m.ID).Str("sha256", scan.SHA256).Int("bytes", len(data)).
			Str("refused", iv.Refused).AnErr("reason", err).Msg("image refused")
		res, err := p.markOnly(ctx, m.ID)
		return res, iv, err
	}
	text := ""
	if p.cfg.Images.OCR != nil {
		t, err := p.cfg.Images.OCR.Text(ctx, data)
		switch {
		case err != nil && ctx.Err() != nil:
			return Result{}, iv, fmt.Errorf("read text in image of %s: %w: %w", m.ID, ErrUnavailable, ctx.Err())
		case err != nil:
			iv.OCRFailed = "failed"
			if strings.Contains(err.Error(), "timed out") {
				iv.OCRFailed = "timeout"
			}
			log.Warn().Str("msg", m.ID).Str("sha256", scan.SHA256).Str("ocr", iv.OCRFailed).AnErr("reason", err).Msg("image text not read; its QR codes are still checked")
		default:
			text = t
			iv.TextChars = utf8.RuneCountInString(t)
		}
	}
	if len(scan.QR) == 0 && text == "" {
		log.Debug().Str("msg", m.ID).Str("sha256", scan.SHA256).Msg("image without qr code or text")
		res, err := p.markOnly(ctx, m.ID)
		return res, iv, err
	}
	kinds := make([]string, len(scan.QR))
	for i, q := range scan.QR {
		iv.Kinds = append(iv.Kinds, imagescan.Classify(q))
		kinds[i] = string(iv.Kinds[i])
	}
	// One text, one Process (one dedup mark, one warning): the QR
	// payloads first, then the OCR text; a hit is labelled by the part it
	// starts in.
	qr := strings.Join(scan.QR, "\n")
	m.Text = qr
	if text != "" {
		if qr != "" {
			m.Text += "\n"
		}
		m.Text += text
	}
	split := utf8.RuneCountInString(qr)
	if qr != "" {
		split++ // the line break belongs to neither part
	}
	res, err := p.labelledSplit(split, QREvidenceLabel, OCREvidenceLabel).Process(ctx, m)
	if err == nil {
		log.Info().Str("msg", m.ID).Str("sha256", scan.SHA256).Int("qr_codes", len(scan.QR)).
			Strs("kinds", kinds).Int("text_chars", iv.TextChars).Str("action", res.Verdict.Action.String()).Msg("image checked")
	}
	return res, iv, err
}

// refusalCode names why an image was refused, for logs and answers.
func refusalCode(err error) string {
	switch {
	case errors.Is(err, imagescan.ErrTooLarge), errors.Is(err, wecom.ErrMediaTooLarge):
		return "too_large"
	case errors.Is(err, imagescan.ErrTooManyPixels):
		return "too_many_pixels"
	case errors.Is(err, imagescan.ErrTimeout):
		return "timeout"
	default:
		return "unreadable"
	}
}

// labelled is the pipeline with every hit's evidence prefixed by label:
// a copy whose checker labels the verdicts of the one in force, so that
// Process (and what it records, warns and escalates) is unchanged.
func (p *Pipeline) labelled(label string) *Pipeline {
	return p.labelledSplit(0, label, label)
}

// labelledSplit labels hits that start before rune offset split with
// before, the others with after.
func (p *Pipeline) labelledSplit(split int, before, after string) *Pipeline {
	q := *p
	inner := p.cfg.Checker
	q.cfg.Checker = func() Checker { return labelChecker{Checker: inner(), split: split, before: before, after: after} }
	return &q
}

type labelChecker struct {
	Checker
	split         int
	before, after string
}

func (c labelChecker) Evaluate(text string, mc rules.Context) rules.Verdict {
	v := c.Checker.Evaluate(text, mc)
	for i := range v.Hits {
		label := c.after
		if v.Hits[i].Start < c.split {
			label = c.before
		}
		v.Hits[i].Masked = label + "：" + v.Hits[i].Masked
	}
	return v
}

// handleAppImage downloads and checks an image message to the app. A
// media id WeCom does not know, or a file over the limit, is refused and
// logged; a transient failure (network, WeCom busy) answers ErrUnavailable
// so WeCom sends the callback again.
func (p *Pipeline) handleAppImage(ctx context.Context, wm *wecom.Message) (Result, error) {
	m := Message{
		ID:       wm.DedupKey(),
		Source:   SourceApp,
		From:     wm.FromUserName,
		ChatKind: rules.ChatDirect,
	}
	if wm.CreateTime > 0 {
		m.Time = time.Unix(wm.CreateTime, 0)
	}
	seen, plan, err := p.cfg.Store.SeenPlan(ctx, m.ID)
	if err != nil {
		return Result{}, fmt.Errorf("dedup %s: %w: %w", m.ID, ErrUnavailable, err)
	}
	if plan != nil {
		// Decided before (store/plan.go): completed from its plan without
		// downloading and reading the image again, in time for WeCom's 5 s
		// and with the same warning.
		return p.completePlan(ctx, m, plan)
	}
	if seen {
		return p.repeatWarning(ctx, m)
	}
	maxBytes := p.cfg.Images.Limits.MaxBytes
	if maxBytes <= 0 {
		maxBytes = imagescan.DefaultMaxBytes
	}
	media, err := p.cfg.Images.Media.GetMedia(ctx, wm.MediaID, maxBytes)
	if err != nil {
		if wecom.Retryable(err) {
			return Result{}, fmt.Errorf("download image of %s: %w: %w", m.ID, ErrUnavailable, err)
		}
		zerolog.Ctx(ctx).Warn().Str("msg", m.ID).Str("refused", refusalCode(err)).AnErr("reason", err).
			Msg("image not downloaded")
		return p.markOnly(ctx, m.ID)
	}
	res, _, err := p.ProcessImage(ctx, m, media.Data)
	return res, err
}

// ingestImage checks an archive image record that carries its bytes.
func (p *Pipeline) ingestImage(ctx context.Context, r wecom.ArchiveRecord, kind rules.ChatKind) IngestResult {
	if r.RoomID == "" {
		kind = rules.ChatDirect
	}
	m := Message{
		ID:       ArchiveIDPrefix + r.MsgID,
		Source:   SourceArchive,
		From:     r.From,
		ChatID:   r.RoomID,
		ChatKind: kind,
	}
	if r.MsgTime > 0 {
		m.Time = time.UnixMilli(r.MsgTime)
	}
	res, iv, err := p.ProcessImage(ctx, m, r.Image.Data)
	if err != nil {
		return IngestResult{Err: err, Image: &iv}
	}
	if res.Duplicate {
		return IngestResult{Status: IngestDuplicate, Image: &iv}
	}
	if iv.Refused != "" || iv.QRCodes == 0 {
		return IngestResult{Status: IngestSkipped, Image: &iv}
	}
	return IngestResult{Status: IngestProcessed, Action: res.Step.Action, Image: &iv}
}
