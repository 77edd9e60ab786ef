package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/dlp"
	"github.com/wecom-guard/wecom-guard/rules"
)

// DataStore is where the customer record sets and document fingerprints
// live (bot/store).
type DataStore interface {
	NextRecordSetVersion(ctx context.Context, name string) (int64, error)
	PutRecordChunk(ctx context.Context, name string, version int64, i int, data []byte) error
	CommitRecordSet(ctx context.Context, name string, version int64, chunks int, meta []byte) error
	DeleteRecordSet(ctx context.Context, name string) (bool, error)
	RecordSets(ctx context.Context) ([]store.StoredSet, int64, error)
	RecordChunk(ctx context.Context, name string, version int64, i int) ([]byte, error)
	NextDocumentID(ctx context.Context) (string, error)
	SaveDocument(ctx context.Context, id string, meta, prints []byte) error
	DeleteDocument(ctx context.Context, id string) (bool, error)
	Documents(ctx context.Context) (map[string][]byte, error)
	DocumentPrints(ctx context.Context, id string) ([]byte, error)
	DLPVersion(ctx context.Context) (int64, error)
	WatchDLP(ctx context.Context, changed func(version int64))
}

// chunkEntries is how many hashes one stored chunk holds (832 KB).
const chunkEntries = 64 << 10

// SaveRecordSet stores the hashes of an import as a new version of set
// name and puts it in force atomically (the old version's hashes are
// deleted). progress, when set, is told how many hashes are written.
func SaveRecordSet(ctx context.Context, st DataStore, name string, imp *dlp.Imported, by string, now time.Time, progress func(written int)) (dlp.RecordSet, error) {
	if err := CheckDataName(name); err != nil {
		return dlp.RecordSet{}, WithKind(err, ErrInvalid)
	}
	v, err := st.NextRecordSetVersion(ctx, name)
	if err != nil {
		return dlp.RecordSet{}, WithKind(err, ErrUnavailable)
	}
	set := dlp.RecordSet{Name: name, Version: v, Columns: imp.Columns, Rows: imp.Rows, Hashes: len(imp.Entries),
		Invalid: imp.Invalid, ImportedBy: by, ImportedAt: now, Format: dlp.EntryFormatTagged}
	buf := make([]byte, 0, chunkEntries*dlp.EntrySize)
	for i := 0; i*chunkEntries < len(imp.Entries) || i == 0; i++ {
		part := imp.Entries[i*chunkEntries : min((i+1)*chunkEntries, len(imp.Entries))]
		if err := st.PutRecordChunk(ctx, name, v, i, dlp.EncodeEntries(buf[:0], part)); err != nil {
			return dlp.RecordSet{}, WithKind(err, ErrUnavailable)
		}
		set.Chunks = i + 1
		if progress != nil {
			progress(i*chunkEntries + len(part))
		}
	}
	meta, err := json.Marshal(set)
	if err != nil {
		return dlp.RecordSet{}, err
	}
	if err := st.CommitRecordSet(ctx, name, v, set.Chunks, meta); err != nil {
		return dlp.RecordSet{}, WithKind(err, ErrUnavailable)
	}
	return set, nil
}

// CheckDataName checks the name of a record set or document.
func CheckDataName(name string) error {
	switch {
	case name == "":
		return errors.New("名称不能为空")
	case len([]rune(name)) > 64:
		return errors.New("名称最多 64 个字")
	}
	return nil
}

// SaveDocument extracts the text of an uploaded document, fingerprints it
// and stores the fingerprints and description under a new id; the text is
// dropped.
func SaveDocument(ctx context.Context, st DataStore, key *dlp.Key, name, category, filename string, data []byte, by string, now time.Time) (dlp.Document, error) {
	if err := CheckDataName(name); err != nil {
		return dlp.Document{}, WithKind(err, ErrInvalid)
	}
	paras, err := dlp.Extract(filename, data)
	if err != nil {
		return dlp.Document{}, WithKind(err, ErrInvalid)
	}
	p := dlp.FingerprintDocument(key, paras)
	if p.Chars < dlp.Guarantee {
		return dlp.Document{}, fmt.Errorf("文件内容太短（%d 字），至少需要 %d 字才能识别: %w", p.Chars, dlp.Guarantee, ErrInvalid)
	}
	id, err := st.NextDocumentID(ctx)
	if err != nil {
		return dlp.Document{}, WithKind(err, ErrUnavailable)
	}
	doc := dlp.Document{ID: id, Name: name, Category: category, Version: 1, Chars: p.Chars, Paragraphs: len(p.Paragraphs),
		Prints: len(p.Prints), UploadedBy: by, UploadedAt: now}
	meta, err := json.Marshal(doc)
	if err != nil {
		return dlp.Document{}, err
	}
	if err := st.SaveDocument(ctx, id, meta, p.Encode()); err != nil {
		return dlp.Document{}, WithKind(err, ErrUnavailable)
	}
	return doc, nil
}

// LoadData reads every record set and document from st and builds their
// index; it reads again when a set changes while it is read. A set or
// document stored in a format this build does not know (a newer replica
// wrote it during a rolling upgrade) is left out and named in unreadable,
// so that the others — and deletions — still take effect here.
func LoadData(ctx context.Context, st DataStore, key *dlp.Key, opts dlp.Options) (x *dlp.Index, version int64, unreadable []string, err error) {
	for attempt := 0; ; attempt++ {
		x, v, unreadable, err := loadData(ctx, st, key, opts)
		if errors.Is(err, store.ErrDLPChanged) && attempt < 5 {
			continue
		}
		return x, v, unreadable, err
	}
}

func loadData(ctx context.Context, st DataStore, key *dlp.Key, opts dlp.Options) (*dlp.Index, int64, []string, error) {
	stored, v, err := st.RecordSets(ctx)
	if err != nil {
		return nil, 0, nil, err
	}
	var unreadable []string
	slices.SortFunc(stored, func(a, b store.StoredSet) int { return compareStrings(a.Name, b.Name) })
	var sets []dlp.LoadedSet
	for _, s := range stored {
		var ls dlp.LoadedSet
		if err := json.Unmarshal(s.Meta, &ls.Set); err != nil {
			return nil, 0, nil, fmt.Errorf("record set %q: %w", s.Name, err)
		}
		known := true
		for i := range s.Chunks {
			b, err := st.RecordChunk(ctx, s.Name, s.Version, i)
			if err != nil {
				return nil, 0, nil, err
			}
			if ls.Entries, err = dlp.DecodeEntries(ls.Entries, b, ls.Set.Format); errors.Is(err, dlp.ErrUnknownFormat) {
				unreadable = append(unreadable, fmt.Sprintf("record set %q (format %d)", s.Name, ls.Set.Format))
				known = false
				break
			} else if err != nil {
				return nil, 0, nil, fmt.Errorf("record set %q: %w", s.Name, err)
			}
		}
		if known {
			sets = append(sets, ls)
		}
	}
	metas, err := st.Documents(ctx)
	if err != nil {
		return nil, 0, nil, err
	}
	var docs []dlp.LoadedDoc
	for id, meta := range metas {
		var ld dlp.LoadedDoc
		if err := json.Unmarshal(meta, &ld.Doc); err != nil {
			return nil, 0, nil, fmt.Errorf("document %s: %w", id, err)
		}
		b, err := st.DocumentPrints(ctx, id)
		if err != nil {
			return nil, 0, nil, err
		}
		if ld.Prints, err = dlp.DecodePrints(b); errors.Is(err, dlp.ErrUnknownFormat) {
			unreadable = append(unreadable, fmt.Sprintf("document %s %q", id, ld.Doc.Name))
			continue
		} else if err != nil {
			return nil, 0, nil, fmt.Errorf("document %s: %w", id, err)
		}
		docs = append(docs, ld)
	}
	slices.SortFunc(docs, func(a, b dlp.LoadedDoc) int { return compareStrings(a.Doc.ID, b.Doc.ID) })
	slices.Sort(unreadable)
	return dlp.NewIndex(key, opts, sets, docs), v, unreadable, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Data holds the customer records and document fingerprints in force and
// keeps them current, as Policy does for the rule set: a change announced
// on pub/sub or seen by the periodic version check is loaded in the
// background and swapped in atomically.
type Data struct {
	cfg DataConfig
	cur atomic.Pointer[dataIndex]
	mu  sync.Mutex
}

type dataIndex struct {
	index   *dlp.Index
	version int64
}

// DataConfig holds a Data's dependencies.
type DataConfig struct {
	Store   DataStore
	Key     *dlp.Key
	Options dlp.Options
	Logger  zerolog.Logger
	// Poll is the period of the version check (default 1 s).
	Poll time.Duration
}

// NewData loads the stored sets and documents.
func NewData(ctx context.Context, cfg DataConfig) (*Data, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	d := &Data{cfg: cfg}
	if err := d.reload(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Index returns the index in force.
func (d *Data) Index() *dlp.Index { return d.cur.Load().index }

// Matcher returns the index in force as a rules.DataMatcher.
func (d *Data) Matcher() rules.DataMatcher { return d.cur.Load().index }

// Key returns the key the stored hashes are under.
func (d *Data) Key() *dlp.Key { return d.cfg.Key }

// Version returns the DLP version in force.
func (d *Data) Version() int64 { return d.cur.Load().version }

// Run keeps the index current until ctx ends.
func (d *Data) Run(ctx context.Context) {
	go d.cfg.Store.WatchDLP(ctx, func(v int64) {
		if v != d.Version() {
			d.reloadLogged(ctx)
		}
	})
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v, err := d.cfg.Store.DLPVersion(ctx)
			if err != nil {
				d.cfg.Logger.Warn().Err(err).Msg("dlp version check failed; keeping the records and documents in force")
				continue
			}
			if v != d.Version() {
				d.reloadLogged(ctx)
			}
		}
	}
}

func (d *Data) reloadLogged(ctx context.Context) {
	before := d.Version()
	if err := d.reload(ctx); err != nil {
		d.cfg.Logger.Error().Err(err).Int64("in_force", before).Msg("dlp reload failed; keeping the records and documents in force")
		return
	}
	if cur := d.cur.Load(); cur.version != before {
		d.cfg.Logger.Info().Int64("version", cur.version).Int("record_sets", len(cur.index.Sets())).
			Int("records", cur.index.Records()).Int("documents", len(cur.index.Docs())).Msg("dlp data reloaded")
	}
}

func (d *Data) reload(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, err := d.cfg.Store.DLPVersion(ctx)
	if err != nil {
		return err
	}
	if cur := d.cur.Load(); cur != nil && cur.version == v {
		return nil
	}
	x, v, unreadable, err := LoadData(ctx, d.cfg.Store, d.cfg.Key, d.cfg.Options)
	if err != nil {
		return err
	}
	if len(unreadable) > 0 {
		d.cfg.Logger.Warn().Strs("unreadable", unreadable).Int64("version", v).
			Msg("dlp: left out what a newer wecom-guard stored in a format this replica does not know; upgrade this replica")
	}
	if n := x.LegacyDocs(); n > 0 {
		// Their fingerprints cannot be keyed anew without the text.
		d.cfg.Logger.Warn().Int("documents", n).Int("format", dlp.PrintsFormatAES).
			Msg("dlp: documents stored in fingerprint format 1 still match, but every message then pays for both formats; upload them again to store format 2")
	}
	if n := x.UntaggedDenseDocs(); n > 0 {
		// Their probe tags cannot be computed without the text (format 4's
		// are not used: see dlp.PrintsFormatMixTags).
		d.cfg.Logger.Warn().Int("documents", n).Int("format", dlp.PrintsFormatDense).
			Msg("dlp: short documents stored in fingerprint format 3 or 4 still match, but an edited copy inside a long message may be missed; upload them again to store format 5")
	}
	d.cur.Store(&dataIndex{index: x, version: v})
	return nil
}

// data returns the data matcher in force, or nil.
func (p *Pipeline) data() rules.DataMatcher {
	if p.cfg.Data == nil {
		return nil
	}
	if m := p.cfg.Data(); m != nil {
		return m
	}
	return nil
}
