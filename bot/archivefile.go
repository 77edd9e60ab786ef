package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/dlp"
	"github.com/wecom-guard/wecom-guard/rules"
)

// An archived file whose bytes the producer passes on (file.data) has its
// text read, with the extractor of document uploads and its limits, and
// checked against the protected documents' fingerprints: a protected
// document sent as a file is a secrets hit naming it. The file name is
// checked as before, like any message text. The file's text is never
// stored, logged or answered; the message text (what KeepRaw may keep) is
// the file name only.

// MaxArchiveFileBytes bounds an archived file whose text is read: the
// limit of a document upload.
const MaxArchiveFileBytes = dlp.MaxDocumentBytes

// FileEvidenceLabel prefixes the evidence of a hit in an archived file's
// text (文件内容：《2027年报价策略》第 3 段起 212 字).
const FileEvidenceLabel = "文件内容"

// FileVerdict is what became of an archived file's bytes: their hash and
// how many characters of text were read, or why none were. Never the text.
type FileVerdict struct {
	SHA256 string `json:"sha256"`
	Chars  int    `json:"chars"`
	// Refused is why the text was not read: unsupported (not .txt, .md
	// or .docx), too_large (over MaxArchiveFileBytes), unreadable (not
	// UTF-8, not a .docx).
	Refused string `json:"refused,omitempty"`
}

// ingestFile checks an archived file record that carries the file: its
// name as text, and its text against the protected documents. Without
// protected documents the bytes are not read at all.
func (p *Pipeline) ingestFile(ctx context.Context, r wecom.ArchiveRecord, kind rules.ChatKind) IngestResult {
	data := p.data()
	if data == nil || data.MinSpan() == 0 {
		return p.ingestMessage(ctx, r, kind, nil)
	}
	sum := sha256.Sum256(r.File.Data)
	fv := FileVerdict{SHA256: hex.EncodeToString(sum[:])}
	log := zerolog.Ctx(ctx)
	name := r.File.FileName
	if path.Ext(name) == "" && r.File.FileExt != "" {
		name += "." + strings.TrimPrefix(r.File.FileExt, ".")
	}
	var paras []string
	var err error
	switch ext := strings.ToLower(path.Ext(name)); {
	case len(r.File.Data) > MaxArchiveFileBytes:
		fv.Refused = "too_large"
	case ext != ".txt" && ext != ".md" && ext != ".markdown" && ext != ".text" && ext != ".docx":
		fv.Refused = "unsupported" // spreadsheets, PDF, images …: not read, not logged
	default:
		if paras, err = dlp.Extract(name, r.File.Data); err != nil {
			fv.Refused = "unreadable"
		}
	}
	if fv.Refused != "" {
		if fv.Refused != "unsupported" {
			log.Warn().Str("msg", ArchiveIDPrefix+r.MsgID).Str("sha256", fv.SHA256).Int("bytes", len(r.File.Data)).
				Str("refused", fv.Refused).AnErr("reason", err).Msg("archived file's text not read; its name is still checked")
		}
		res := p.ingestMessage(ctx, r, kind, nil)
		res.File = &fv
		return res
	}
	text := strings.Join(paras, "\n")
	fv.Chars = utf8.RuneCountInString(text)
	res := p.ingestMessage(ctx, r, kind, func(name string) rules.DataMatcher {
		return fileMatcher{DataMatcher: data, text: text, nameRunes: utf8.RuneCountInString(name)}
	})
	res.File = &fv
	if res.Err == nil {
		log.Info().Str("msg", ArchiveIDPrefix+r.MsgID).Str("sha256", fv.SHA256).Int("chars", fv.Chars).
			Str("status", string(res.Status)).Str("action", res.Action).Msg("archived file checked")
	}
	return res
}

// ingestMessage processes the message of archive record r; with data
// set, through a pipeline whose data matcher is data(the message text).
func (p *Pipeline) ingestMessage(ctx context.Context, r wecom.ArchiveRecord, kind rules.ChatKind, data func(text string) rules.DataMatcher) IngestResult {
	m, ok := MessageFromArchive(r, kind)
	if !ok {
		if data == nil {
			return IngestResult{Status: IngestSkipped}
		}
		// A file without a name: its text is checked all the same.
		m, _ = MessageFromArchive(withFileName(r, "（未命名文件）"), kind)
	}
	q := p
	if data != nil {
		c := *p
		c.cfg.Data = func() rules.DataMatcher { return data(m.Text) }
		q = &c
	}
	res, err := q.Process(ctx, m)
	if err != nil {
		return IngestResult{Err: err}
	}
	if res.Duplicate {
		return IngestResult{Status: IngestDuplicate}
	}
	return IngestResult{Status: IngestProcessed, Action: res.Step.Action}
}

func withFileName(r wecom.ArchiveRecord, name string) wecom.ArchiveRecord {
	f := *r.File
	f.FileName = name
	r.File = &f
	return r
}

// fileMatcher is the data matcher of a file message: customer records in
// the file name as for any text, and the protected documents in the
// file's text; a document hit spans the file name (the message text) and
// its evidence is labelled FileEvidenceLabel.
type fileMatcher struct {
	rules.DataMatcher
	text      string
	nameRunes int
}

// MinSpan is 1: the file's text is fingerprinted whatever the length of
// its name (the index itself skips a text under its own minimum).
func (f fileMatcher) MinSpan() int { return 1 }

func (f fileMatcher) Documents(_ string, dst []rules.DataMatch) []rules.DataMatch {
	n := len(dst)
	dst = f.DataMatcher.Documents(f.text, dst)
	for i := n; i < len(dst); i++ {
		dst[i].Start, dst[i].End = 0, f.nameRunes
		dst[i].Masked = FileEvidenceLabel + "：" + dst[i].Masked
	}
	return dst
}
