package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// MaxArchiveBody is the largest batch of archive records accepted: a
// GetChatData page is at most 1000 records, far below it.
const MaxArchiveBody = 8 << 20

// MaxArchiveRecords is the most records one ingest batch may hold: the
// SDK's page is at most 1000.
const MaxArchiveRecords = 1000

// DefaultArchiveCorp names the corp whose seq is kept when neither the
// request nor the configuration names one.
const DefaultArchiveCorp = "default"

// ArchiveIngester is what the archive ingest endpoint needs: the pipeline
// for the records and the per-corp seq (bot.ArchiveIngest provides both).
type ArchiveIngester interface {
	IngestArchive(ctx context.Context, recs []wecom.ArchiveRecord) []bot.IngestResult
	SetArchiveSeq(ctx context.Context, corpID string, seq uint64) error
	ArchiveSeq(ctx context.Context, corpID string) (uint64, error)
}

// archiveAnswer is the body of a successful ingest.
type archiveAnswer struct {
	// Results has one entry per record of the batch, in order.
	Results []bot.IngestResult `json:"results"`
	// Seq is the corp's last ingested seq after this batch: where a
	// puller resumes.
	Seq uint64 `json:"seq"`
}

// ingestArchive serves POST /api/v1/archive/messages: a batch of decrypted
// chat-archive records (a JSON array or JSON lines) from the puller or
// another producer. It is disabled (404) unless an ingest token is
// configured, and requires "Authorization: Bearer <token>".
//
// Query parameters: corp (whose seq to keep; the configured CorpID by
// default) and seq (the largest seq of the batch, for producers whose
// records do not carry one; it is stored only when no record of the batch
// failed in a retryable way and some record was accepted). An empty array
// stores nothing and answers the current seq, which is how a puller finds
// where to start. A record dated more than bot.MaxArchiveSkew ahead or
// older than the retention, or with a seq above bot.MaxArchiveSeq, is
// refused in its result; the stored seq moves only to seqs of accepted
// records and at most bot.ArchiveSeqStep a batch (bot.ResumeSeq).
//
// The answer is 200 with per-record results whatever became of each
// record; 400 when the body is not JSON at all, 413 above MaxArchiveBody.
func (s *Server) ingestArchive(c *gin.Context) error {
	if s.cfg.IngestToken == "" || s.cfg.Archive == nil {
		return fmt.Errorf("archive ingest is disabled (no ingest token configured): %w", bot.ErrNotFound)
	}
	if !s.ingestAuthorized(c.GetHeader("Authorization")) {
		c.Header("WWW-Authenticate", `Bearer realm="wecom-guard archive ingest"`)
		return fmt.Errorf("archive ingest: missing or wrong bearer token: %w", bot.ErrUnauthorized)
	}
	q := c.Request.URL.Query()
	corp := q.Get("corp")
	if corp == "" {
		corp = s.cfg.CorpID
	}
	if corp == "" {
		corp = DefaultArchiveCorp
	}
	var querySeq uint64
	if v := q.Get("seq"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("archive ingest: seq %.30q is not an unsigned integer: %w", v, bot.ErrInvalid)
		}
		querySeq = n
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxArchiveBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("read archive batch: over %d bytes, send smaller batches: %w", MaxArchiveBody, bot.ErrTooLarge)
		}
		return fmt.Errorf("read archive batch: %w: %w", bot.ErrInvalid, err)
	}
	recs, parseErrs, err := wecom.ParseArchiveRecords(body)
	if err != nil {
		if len(strings.TrimSpace(string(body))) == 0 {
			return fmt.Errorf("archive ingest: empty body (send a JSON array or JSON lines of records): %w", bot.ErrInvalid)
		}
		return fmt.Errorf("archive ingest: %w", err)
	}

	if len(recs) > MaxArchiveRecords {
		return fmt.Errorf("archive ingest: %d records in one batch, at most %d (WeCom's page size): %w", len(recs), MaxArchiveRecords, bot.ErrTooLarge)
	}
	good := make([]wecom.ArchiveRecord, 0, len(recs))
	for i, r := range recs {
		if parseErrs[i] == nil {
			good = append(good, r)
		}
	}
	ctx := c.Request.Context()
	// The stored point, read first: a batch moves it at most
	// bot.ArchiveSeqStep further (bot.ResumeSeq).
	prev, err := s.cfg.Archive.ArchiveSeq(ctx, corp)
	if err != nil {
		return fmt.Errorf("archive ingest: %w: %w", bot.ErrUnavailable, err)
	}
	ingested := s.cfg.Archive.IngestArchive(ctx, good)
	if len(ingested) != len(good) {
		return fmt.Errorf("archive ingest: %d results for %d records", len(ingested), len(good))
	}
	results := make([]bot.IngestResult, len(recs))
	for i, j := 0, 0; i < len(recs); i++ {
		if parseErrs[i] != nil {
			results[i] = bot.IngestResult{MsgID: recs[i].MsgID, Seq: recs[i].Seq, Status: bot.IngestError,
				Error: parseErrs[i].Error(), Err: parseErrs[i]}
			continue
		}
		results[i] = ingested[j]
		j++
	}

	// The seq parameter, like the records' seqs, moves the stored one only
	// as far as records actually accepted go: an empty, refused or forged
	// batch cannot move it past records not yet ingested.
	seq, advance := bot.ResumeSeq(ingested, prev, querySeq)
	if advance {
		if err := s.cfg.Archive.SetArchiveSeq(ctx, corp, seq); err != nil {
			return fmt.Errorf("archive ingest: %w: %w", bot.ErrUnavailable, err)
		}
	}
	cur, err := s.cfg.Archive.ArchiveSeq(ctx, corp)
	if err != nil {
		return fmt.Errorf("archive ingest: %w: %w", bot.ErrUnavailable, err)
	}
	logIngest(zerolog.Ctx(ctx), corp, cur, results)
	c.JSON(http.StatusOK, archiveAnswer{Results: results, Seq: cur})
	return nil
}

// ingestAuthorized compares the bearer token with the configured one in
// constant time; hashing first keeps the comparison's time independent of
// the lengths too.
func (s *Server) ingestAuthorized(header string) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	want := sha256.Sum256([]byte(s.cfg.IngestToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// logIngest writes one line per batch with counts by status; failed
// records get their own line with the reason (never message text).
func logIngest(log *zerolog.Logger, corp string, seq uint64, results []bot.IngestResult) {
	counts := map[bot.IngestStatus]int{}
	for _, r := range results {
		counts[r.Status]++
		if r.Status == bot.IngestError {
			log.Warn().Str("corp", corp).Str("msgid", r.MsgID).Uint64("seq", r.Seq).AnErr("reason", r.Err).
				Msg("archive record not ingested")
		}
	}
	ev := log.Info().Str("corp", corp).Uint64("seq", seq).Int("records", len(results))
	for st, n := range counts {
		ev = ev.Int(string(st), n)
	}
	ev.Msg("archive batch ingested")
}
