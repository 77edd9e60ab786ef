package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// ArchiveIDPrefix starts the pipeline id of an archived message: the same
// record ingested twice (re-pulled, or posted by the endpoint and the
// puller) is one message.
const ArchiveIDPrefix = "archive:"

// Bounds of what an archive record may claim. A record outside them is
// refused (IngestError, not retryable) before it reaches the pipeline:
// counted, it would sit in every window and top every "newest first" list;
// its seq would become the stored resume point.
const (
	// MaxArchiveSkew is how far in the future a record may be dated: the
	// clocks of WeCom and of this replica differ by seconds, not minutes.
	MaxArchiveSkew = 5 * time.Minute
	// MaxArchiveSeq is the largest seq a record may carry: a seq counts a
	// corp's archived messages, and at a billion a day it takes 25 million
	// years to pass 2^53 (which also keeps every seq exact in JSON
	// numbers of other producers).
	MaxArchiveSeq uint64 = 1 << 53
	// ArchiveSeqStep is the most one batch moves the resume point: a page
	// of GetChatData holds at most 1000 consecutive seqs, so even a
	// producer that sends only 1 record in 100 stays well inside it. A
	// batch that reaches further moves the point only this far: the puller
	// then reads some records again (deduplicated), never skips one.
	ArchiveSeqStep uint64 = 100_000
)

// IngestStatus is what became of one archive record.
type IngestStatus string

// Statuses of ingested records.
const (
	// IngestProcessed: checked; Action says what the ladder did.
	IngestProcessed IngestStatus = "processed"
	// IngestDuplicate: ingested before; nothing was done again.
	IngestDuplicate IngestStatus = "duplicate"
	// IngestSkipped: nothing to check (media, a corp switch, consent …).
	IngestSkipped IngestStatus = "skipped"
	// IngestRecalled: a recall; the recalled message's violation, if it
	// had one, is marked recalled.
	IngestRecalled IngestStatus = "recalled"
	// IngestError: not processed; Error says why. A record that failed for
	// want of Redis can be sent again.
	IngestError IngestStatus = "error"
)

// IngestResult is the answer for one archive record.
type IngestResult struct {
	MsgID  string       `json:"msgid"`
	Seq    uint64       `json:"seq,omitempty"`
	Status IngestStatus `json:"status"`
	// Action is the ladder's step for a processed message with a
	// violation (warn, alert_owner, escalate_hr, log); empty otherwise.
	Action string `json:"action,omitempty"`
	// RecalledMsgID is the msgid a recall refers to, and ViolationMarked
	// whether that message had a violation record, now marked.
	RecalledMsgID   string `json:"recalled_msgid,omitempty"`
	ViolationMarked bool   `json:"violation_marked,omitempty"`
	Error           string `json:"error,omitempty"`
	// Image is what became of an image record's bytes (image.go): its
	// hash and QR-code count, or why it was refused.
	Image *ImageVerdict `json:"image,omitempty"`
	// File is what became of a file record's bytes (archivefile.go): its
	// hash and how many characters of text were read, or why none were.
	File *FileVerdict `json:"file,omitempty"`
	// Err is the error behind Error, for logs and errors.Is.
	Err error `json:"-"`
}

// Retryable reports whether the record failed for a reason a later attempt
// may not meet (Redis unavailable), as opposed to a bad record.
func (r IngestResult) Retryable() bool {
	return r.Status == IngestError && errors.Is(r.Err, ErrUnavailable)
}

// RecallStore is what recall records need of the store (bot/store).
type RecallStore interface {
	MarkRecalled(ctx context.Context, violationID string) (bool, error)
}

// MessageFromArchive maps an archive record to a pipeline message in a chat
// of the given kind (rules.ChatDirect is forced for a 1:1 record, whose
// roomid is empty). ok is false when there is nothing to check: a recall, a
// corp switch, media without text, an unknown type.
func MessageFromArchive(r wecom.ArchiveRecord, kind rules.ChatKind) (Message, bool) {
	if r.MsgID == "" || (r.Action != "" && r.Action != wecom.ArchiveActionSend) {
		return Message{}, false
	}
	if _, recall := r.Recall(); recall {
		return Message{}, false
	}
	text := archiveText(r, 0)
	if strings.TrimSpace(text) == "" {
		return Message{}, false
	}
	if r.RoomID == "" {
		kind = rules.ChatDirect
	}
	m := Message{
		ID:       ArchiveIDPrefix + r.MsgID,
		Source:   SourceArchive,
		From:     r.From,
		ChatID:   r.RoomID,
		ChatKind: kind,
		Text:     text,
	}
	if r.MsgTime > 0 {
		m.Time = time.UnixMilli(r.MsgTime)
	}
	return m, true
}

// archiveText is the text of a record that the policy applies to, per
// type: what a reader of the chat sees as words (titles, descriptions,
// links, file names), never media ids or checksums. Parts of mixed
// messages and forwarded chat records are read recursively, up to
// wecom.MaxArchiveNesting deep.
func archiveText(r wecom.ArchiveRecord, depth int) string {
	var parts []string
	add := func(s ...string) {
		for _, p := range s {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
	}
	addItems := func(items []wecom.ArchiveItem) {
		if depth >= wecom.MaxArchiveNesting {
			return
		}
		for _, it := range items {
			// A part that does not decode has no text to offer; the
			// rest of the message is still checked.
			if sub, err := it.Record(); err == nil {
				add(archiveText(sub, depth+1))
			}
		}
	}
	switch r.MsgType {
	case wecom.ArchiveText:
		if r.Text != nil {
			add(r.Text.Content)
		}
	case wecom.ArchiveMarkdown, wecom.ArchiveNews:
		if r.Info != nil {
			add(r.Info.Content)
			for _, it := range r.Info.Item {
				add(it.Title, it.Description, it.URL)
			}
		}
	case wecom.ArchiveLink:
		if r.Link != nil {
			add(r.Link.Title, r.Link.Description, r.Link.LinkURL)
		}
	case wecom.ArchiveFile:
		if r.File != nil {
			add(r.File.FileName)
		}
	case wecom.ArchiveLocation:
		if r.Location != nil {
			add(r.Location.Title, r.Location.Address)
		}
	case wecom.ArchiveWeApp:
		if r.WeApp != nil {
			add(r.WeApp.Title, r.WeApp.Description, r.WeApp.DisplayName)
		}
	case wecom.ArchiveChatRecord:
		if r.ChatRecord != nil {
			add(r.ChatRecord.Title)
			addItems(r.ChatRecord.Item)
		}
	case wecom.ArchiveMixed:
		if r.Mixed != nil {
			addItems(r.Mixed.Item)
		}
	case wecom.ArchiveRedPacket, wecom.ArchiveExternalRedPacket:
		if r.RedPacket != nil {
			add(r.RedPacket.Wish)
		}
	case wecom.ArchiveMeeting:
		if r.Meeting != nil {
			add(r.Meeting.Topic, r.Meeting.Address, r.Meeting.Remarks)
		}
	case wecom.ArchiveDocMsg:
		if r.Doc != nil {
			add(r.Doc.Title, r.Doc.LinkURL)
		}
	case wecom.ArchiveTodo:
		if r.Todo != nil {
			add(r.Todo.Title, r.Todo.Content)
		}
	case wecom.ArchiveVote:
		add(r.VoteTitle)
		add(r.VoteItem...)
	case wecom.ArchiveCalendar:
		if r.Calendar != nil {
			add(r.Calendar.Title, r.Calendar.Place, r.Calendar.Remarks)
		}
	case wecom.ArchiveSphFeed:
		if r.SphFeed != nil {
			add(r.SphFeed.SphName, r.SphFeed.FeedDesc)
		}
	}
	return strings.Join(parts, "\n")
}

// IngestArchive runs archive records through the pipeline, in order, and
// answers for each: a message becomes a Message of its chat (kindOf gives
// the kind of a group; nil treats every group as a work group) and goes
// through Process like a callback; a recall marks the recalled message's
// violation; the rest is skipped. A bad record does not stop the others;
// a retryable failure (Redis unavailable) stops the batch there, since the
// puller sends the batch again from that record. Each result says what
// happened.
//
// Recalls need a store with MarkRecalled (RecallStore; bot/store has it).
func (p *Pipeline) IngestArchive(ctx context.Context, recs []wecom.ArchiveRecord, kindOf func(roomID string) rules.ChatKind) []IngestResult {
	out := make([]IngestResult, len(recs))
	var stop error
	for i, r := range recs {
		if stop != nil {
			// After a retryable failure the rest waits for the resend (the
			// puller resumes at the failed record): processing a recall
			// before its original would lose the recall.
			out[i] = IngestResult{Err: fmt.Errorf("ingest %s: an earlier record failed: %w", r.MsgID, stop)}
		} else {
			out[i] = p.ingestOne(ctx, r, kindOf)
		}
		out[i].MsgID, out[i].Seq = r.MsgID, r.Seq
		if out[i].Err != nil {
			out[i].Status = IngestError
			out[i].Error = publicError(out[i].Err)
			if stop == nil && out[i].Retryable() {
				stop = ErrUnavailable
			}
		}
	}
	return out
}

func (p *Pipeline) ingestOne(ctx context.Context, r wecom.ArchiveRecord, kindOf func(string) rules.ChatKind) IngestResult {
	if r.MsgID == "" {
		return IngestResult{Err: fmt.Errorf("ingest archive record: no msgid: %w", ErrInvalid)}
	}
	if err := ctx.Err(); err != nil {
		return IngestResult{Err: fmt.Errorf("ingest %s: %w: %w", r.MsgID, ErrUnavailable, err)}
	}
	if err := p.checkArchiveBounds(r); err != nil {
		return IngestResult{Err: err}
	}
	if pre, ok := r.Recall(); ok {
		return p.ingestRecall(ctx, r.MsgID, pre)
	}
	if externalSender(r.From) {
		// Customers and robots are not employees: the policy, its counters,
		// warnings and cases are about the company's own members.
		return IngestResult{Status: IngestSkipped}
	}
	kind := rules.ChatWork
	if r.RoomID != "" && kindOf != nil {
		kind = kindOf(r.RoomID)
	}
	if r.MsgType == wecom.ArchiveImage && r.Image != nil && len(r.Image.Data) > 0 {
		return p.ingestImage(ctx, r, kind)
	}
	if r.MsgType == wecom.ArchiveFile && r.File != nil && len(r.File.Data) > 0 {
		return p.ingestFile(ctx, r, kind) // archivefile.go
	}
	return p.ingestMessage(ctx, r, kind, nil)
}

// checkArchiveBounds refuses a record whose seq or date no real archive
// record has: a seq above MaxArchiveSeq, a date more than MaxArchiveSkew
// ahead of the clock or older than the retention of violation records.
// A record without a date (msgtime 0) is taken as received now.
func (p *Pipeline) checkArchiveBounds(r wecom.ArchiveRecord) error {
	if r.Seq > MaxArchiveSeq {
		return fmt.Errorf("ingest %s: seq %d is beyond any real archive (at most %d): refused: %w", r.MsgID, r.Seq, MaxArchiveSeq, ErrInvalid)
	}
	if r.MsgTime == 0 {
		return nil
	}
	now := p.cfg.Now()
	at := time.UnixMilli(r.MsgTime)
	if limit := now.Add(MaxArchiveSkew); at.After(limit) {
		return fmt.Errorf("ingest %s: msgtime %d is dated %s, more than %s ahead of the clock: refused: %w",
			r.MsgID, r.MsgTime, at.UTC().Format(time.RFC3339), MaxArchiveSkew, ErrInvalid)
	}
	if oldest := now.Add(-p.cfg.Retention); at.Before(oldest) {
		return fmt.Errorf("ingest %s: msgtime %d is dated %s, older than the retention of %s: refused: %w",
			r.MsgID, r.MsgTime, at.UTC().Format(time.RFC3339), p.cfg.Retention, ErrInvalid)
	}
	return nil
}

// ingestRecall marks the recalled message's violation. The recall is
// deduplicated like a message so that a replayed batch answers
// "duplicate" for it too; marking again would be harmless anyway.
func (p *Pipeline) ingestRecall(ctx context.Context, msgID, pre string) IngestResult {
	id := ArchiveIDPrefix + msgID
	seen, err := p.cfg.Store.Seen(ctx, id)
	if err != nil {
		return IngestResult{Err: fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)}
	}
	if seen {
		return IngestResult{Status: IngestDuplicate, RecalledMsgID: pre}
	}
	marked, err := p.cfg.Store.MarkRecalled(ctx, ArchiveIDPrefix+pre)
	if err != nil {
		return IngestResult{Err: fmt.Errorf("ingest recall %s: %w: %w", msgID, ErrUnavailable, err)}
	}
	if _, err := p.cfg.Store.MarkSeen(ctx, id, p.cfg.DedupTTL); err != nil {
		return IngestResult{Err: fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)}
	}
	return IngestResult{Status: IngestRecalled, RecalledMsgID: pre, ViolationMarked: marked}
}

// publicError is what a client is told about a failed record: the reason
// for a bad record, only the kind for a server-side failure (whose details
// are for the log).
func publicError(err error) string {
	if errors.Is(err, ErrUnavailable) {
		return ErrUnavailable.Error()
	}
	return err.Error()
}

// ResumeSeq is the archive seq a puller may resume after, given the
// results of one batch, the resume point stored before it (cur) and the
// seq the producer claimed for the whole batch (claimed, 0 for none: the
// endpoint's seq parameter, for records that carry no seq).
//
// The point moves only to seqs of records actually accepted (any status
// but IngestError), below the first record that failed in a retryable way
// so that nothing is skipped on resume. A refused or bad record does not
// hold back accepted records after it (sending it again would not help),
// but the point never moves to its own seq: when it is last in its batch,
// the puller reads it again with the next batch, harmlessly. It moves
// at most ArchiveSeqStep past cur (past the batch's lowest accepted seq
// when nothing is stored yet), so no record, however numbered, sends a
// puller past records not yet read. The claimed seq counts only when no
// record failed in a retryable way and some record was accepted, and no
// further than the accepted records' largest seq when they carry seqs.
// ok is false when nothing qualifies.
func ResumeSeq(results []IngestResult, cur, claimed uint64) (seq uint64, ok bool) {
	var firstFail uint64
	failed, retry := false, false
	for _, r := range results {
		if !r.Retryable() {
			continue
		}
		retry = true
		if r.Seq != 0 && (!failed || r.Seq < firstFail) {
			firstFail, failed = r.Seq, true
		}
	}
	var seqs []uint64 // the candidates: seqs of accepted records
	accepted := false
	for _, r := range results {
		if r.Status == IngestError {
			continue
		}
		accepted = true
		if r.Seq != 0 && r.Seq <= MaxArchiveSeq && (!failed || r.Seq < firstFail) {
			seqs = append(seqs, r.Seq)
		}
	}
	if claimed > 0 && claimed <= MaxArchiveSeq && accepted && !retry {
		if len(seqs) > 0 {
			claimed = min(claimed, slices.Max(seqs))
		}
		seqs = append(seqs, claimed)
	}
	if len(seqs) == 0 {
		return 0, false
	}
	base := cur
	if base == 0 {
		base = slices.Min(seqs)
	}
	limit := uint64(math.MaxUint64)
	if base <= math.MaxUint64-ArchiveSeqStep {
		limit = base + ArchiveSeqStep
	}
	for _, s := range seqs {
		if s <= limit && s > seq {
			seq, ok = s, true
		}
	}
	return seq, ok
}

// ArchiveSeqStore keeps the last ingested archive seq per corp (bot/store).
type ArchiveSeqStore interface {
	SetArchiveSeq(ctx context.Context, corpID string, seq uint64) error
	ArchiveSeq(ctx context.Context, corpID string) (uint64, error)
}

// ArchiveIngest binds what the archive ingest endpoint and the puller use:
// the pipeline, the seq store and how a group's chat kind is found.
type ArchiveIngest struct {
	Pipeline *Pipeline
	Seqs     ArchiveSeqStore
	// KindOf gives a group's chat kind; nil treats every group as a work
	// group (the strictest internal policy).
	KindOf func(roomID string) rules.ChatKind
}

// IngestArchive runs recs through the pipeline (Pipeline.IngestArchive).
func (a *ArchiveIngest) IngestArchive(ctx context.Context, recs []wecom.ArchiveRecord) []IngestResult {
	return a.Pipeline.IngestArchive(ctx, recs, a.KindOf)
}

// SetArchiveSeq records the last ingested seq of corpID; it only moves forward.
func (a *ArchiveIngest) SetArchiveSeq(ctx context.Context, corpID string, seq uint64) error {
	return a.Seqs.SetArchiveSeq(ctx, corpID, seq)
}

// ArchiveSeq returns the last ingested seq of corpID (0 when none).
func (a *ArchiveIngest) ArchiveSeq(ctx context.Context, corpID string) (uint64, error) {
	return a.Seqs.ArchiveSeq(ctx, corpID)
}

// externalID matches the ids WeCom gives external contacts (wo…/wm…) and
// group robots (wb…) in the chat archive: about 32 characters. Members'
// userids are the company's own and may well start with "wm" (王明) too,
// so the prefix alone is not enough.
var externalID = regexp.MustCompile(`^w[obm][0-9A-Za-z_-]{20,}$`)

// externalSender reports whether the archive's sender is not a member of
// the corp.
func externalSender(from string) bool { return externalID.MatchString(from) }
