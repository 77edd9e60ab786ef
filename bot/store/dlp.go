package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Data-loss prevention data (package dlp): customer record sets as keyed
// hashes in chunks, and protected documents as fingerprints. Nothing here
// is a raw value or a document's text. A version counter moves with every
// change and is announced on a channel, as for the rule set, so replicas
// rebuild their index within the poll period. Every key shares the {dlp}
// tag: one slot.

func (s *Store) keyDLPSets() string         { return s.prefix + "{dlp}:sets" }   // name → set description (JSON)
func (s *Store) keyDLPChunks() string       { return s.prefix + "{dlp}:chunks" } // name → "version:chunks"
func (s *Store) keyDLPSetSeq() string       { return s.prefix + "{dlp}:setseq" } // name → last version given out
func (s *Store) keyDLPDocs() string         { return s.prefix + "{dlp}:docs" }   // id → document description (JSON)
func (s *Store) keyDLPDocSeq() string       { return s.prefix + "{dlp}:docseq" }
func (s *Store) keyDLPVersion() string      { return s.prefix + "{dlp}:version" }
func (s *Store) keyDLPChannel() string      { return s.prefix + "{dlp}:changed" }
func (s *Store) keyDLPDoc(id string) string { return s.prefix + "{dlp}:doc:" + keyPart(id) }
func (s *Store) keyDLPChunk(name string, version int64, i int) string {
	return s.prefix + "{dlp}:set:" + keyPart(name) + ":" + strconv.FormatInt(version, 10) + ":" + strconv.Itoa(i)
}

// ErrDLPChanged is returned when a record set changed while it was read:
// read the sets again.
var ErrDLPChanged = errors.New("record set changed meanwhile")

// StoredSet is a record set's description and where its hashes are.
type StoredSet struct {
	Name    string
	Meta    []byte
	Version int64
	Chunks  int
}

// chunkTTL bounds how long the chunks of an import that never committed
// (the importer died) stay; a commit makes them permanent.
const chunkTTL = 24 * time.Hour

// NextRecordSetVersion returns a new version number for set name, under
// which PutRecordChunk writes the hashes of an import.
func (s *Store) NextRecordSetVersion(ctx context.Context, name string) (int64, error) {
	v, err := s.rdb.HIncrBy(ctx, s.keyDLPSetSeq(), name, 1).Result()
	if err != nil {
		return 0, fmt.Errorf("next record set version: %w", err)
	}
	return v, nil
}

// PutRecordChunk writes chunk i of version of set name. The chunks are
// not in force until CommitRecordSet.
func (s *Store) PutRecordChunk(ctx context.Context, name string, version int64, i int, data []byte) error {
	if err := s.rdb.Set(ctx, s.keyDLPChunk(name, version, i), data, chunkTTL).Err(); err != nil {
		return fmt.Errorf("write record chunk %d: %w", i, err)
	}
	return nil
}

var commitSetScript = redis.NewScript(`
local old = redis.call("HGET", KEYS[2], ARGV[1]) or ""
for i = 5, #KEYS do
  redis.call("PERSIST", KEYS[i])
end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[3])
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
local v = redis.call("INCR", KEYS[3])
redis.call("PUBLISH", KEYS[4], v)
return old`)

// CommitRecordSet puts version (of chunks chunks, all written) of set name
// in force with its description meta, in one step: a replica reads the old
// set or the new one, never a mix. The old version's chunks are deleted.
func (s *Store) CommitRecordSet(ctx context.Context, name string, version int64, chunks int, meta []byte) error {
	keys := []string{s.keyDLPSets(), s.keyDLPChunks(), s.keyDLPVersion(), s.keyDLPChannel()}
	for i := range chunks {
		keys = append(keys, s.keyDLPChunk(name, version, i))
	}
	old, err := commitSetScript.Run(ctx, s.rdb, keys, name, strconv.FormatInt(version, 10)+":"+strconv.Itoa(chunks), meta).Text()
	if err != nil {
		return fmt.Errorf("commit record set: %w", err)
	}
	return s.deleteChunks(ctx, name, old)
}

func (s *Store) deleteChunks(ctx context.Context, name, ref string) error {
	v, n, ok := parseChunkRef(ref)
	if !ok {
		return nil
	}
	keys := make([]string, 0, n)
	for i := range n {
		keys = append(keys, s.keyDLPChunk(name, v, i))
	}
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 512)]
		if err := s.rdb.Del(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("delete old record chunks: %w", err)
		}
		keys = keys[len(batch):]
	}
	return nil
}

func parseChunkRef(ref string) (int64, int, bool) {
	vs, ns, ok := strings.Cut(ref, ":")
	if !ok {
		return 0, 0, false
	}
	v, err1 := strconv.ParseInt(vs, 10, 64)
	n, err2 := strconv.Atoi(ns)
	return v, n, err1 == nil && err2 == nil
}

var deleteSetScript = redis.NewScript(`
local old = redis.call("HGET", KEYS[2], ARGV[1])
if not old then
  return false
end
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("HDEL", KEYS[2], ARGV[1])
local v = redis.call("INCR", KEYS[3])
redis.call("PUBLISH", KEYS[4], v)
return old`)

// DeleteRecordSet removes set name and all its hashes, and reports
// whether it existed.
func (s *Store) DeleteRecordSet(ctx context.Context, name string) (bool, error) {
	old, err := deleteSetScript.Run(ctx, s.rdb, []string{s.keyDLPSets(), s.keyDLPChunks(), s.keyDLPVersion(), s.keyDLPChannel()}, name).Text()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete record set: %w", err)
	}
	return true, s.deleteChunks(ctx, name, old)
}

// RecordSets returns the record sets in force and the DLP version, read
// together.
func (s *Store) RecordSets(ctx context.Context) ([]StoredSet, int64, error) {
	var metas, refs *redis.MapStringStringCmd
	var ver *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		metas = p.HGetAll(ctx, s.keyDLPSets())
		refs = p.HGetAll(ctx, s.keyDLPChunks())
		ver = p.Get(ctx, s.keyDLPVersion())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("read record sets: %w", err)
	}
	var out []StoredSet
	for name, meta := range metas.Val() {
		v, n, ok := parseChunkRef(refs.Val()[name])
		if !ok {
			continue
		}
		out = append(out, StoredSet{Name: name, Meta: []byte(meta), Version: v, Chunks: n})
	}
	v, _ := strconv.ParseInt(ver.Val(), 10, 64)
	return out, v, nil
}

// RecordChunk returns chunk i of version of set name, or ErrDLPChanged
// when that version is no longer in force.
func (s *Store) RecordChunk(ctx context.Context, name string, version int64, i int) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keyDLPChunk(name, version, i)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read record chunk %d of version %d: %w", i, version, ErrDLPChanged)
	}
	if err != nil {
		return nil, fmt.Errorf("read record chunk: %w", err)
	}
	return b, nil
}

// NextDocumentID returns a new document id.
func (s *Store) NextDocumentID(ctx context.Context) (string, error) {
	n, err := s.rdb.Incr(ctx, s.keyDLPDocSeq()).Result()
	if err != nil {
		return "", fmt.Errorf("next document id: %w", err)
	}
	return "d" + strconv.FormatInt(n, 10), nil
}

var saveDocScript = redis.NewScript(`
redis.call("SET", KEYS[1], ARGV[3])
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
local v = redis.call("INCR", KEYS[3])
redis.call("PUBLISH", KEYS[4], v)
return v`)

// SaveDocument stores (or replaces) document id's description and
// fingerprints in one step.
func (s *Store) SaveDocument(ctx context.Context, id string, meta, prints []byte) error {
	err := saveDocScript.Run(ctx, s.rdb, []string{s.keyDLPDoc(id), s.keyDLPDocs(), s.keyDLPVersion(), s.keyDLPChannel()}, id, meta, prints).Err()
	if err != nil {
		return fmt.Errorf("save document: %w", err)
	}
	return nil
}

var deleteDocScript = redis.NewScript(`
if redis.call("HDEL", KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call("DEL", KEYS[1])
local v = redis.call("INCR", KEYS[3])
redis.call("PUBLISH", KEYS[4], v)
return 1`)

// DeleteDocument removes document id and its fingerprints, and reports
// whether it existed.
func (s *Store) DeleteDocument(ctx context.Context, id string) (bool, error) {
	n, err := deleteDocScript.Run(ctx, s.rdb, []string{s.keyDLPDoc(id), s.keyDLPDocs(), s.keyDLPVersion(), s.keyDLPChannel()}, id).Int()
	if err != nil {
		return false, fmt.Errorf("delete document: %w", err)
	}
	return n == 1, nil
}

// Documents returns the descriptions of the protected documents by id.
func (s *Store) Documents(ctx context.Context) (map[string][]byte, error) {
	m, err := s.rdb.HGetAll(ctx, s.keyDLPDocs()).Result()
	if err != nil {
		return nil, fmt.Errorf("read documents: %w", err)
	}
	out := make(map[string][]byte, len(m))
	for id, meta := range m {
		out[id] = []byte(meta)
	}
	return out, nil
}

// DocumentPrints returns the stored fingerprints of document id, or
// ErrDLPChanged when it was deleted meanwhile.
func (s *Store) DocumentPrints(ctx context.Context, id string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keyDLPDoc(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read fingerprints of %s: %w", id, ErrDLPChanged)
	}
	if err != nil {
		return nil, fmt.Errorf("read fingerprints: %w", err)
	}
	return b, nil
}

// DLPVersion returns the version of the DLP data (0: none ever stored).
func (s *Store) DLPVersion(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.keyDLPVersion()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get dlp version: %w", err)
	}
	return v, nil
}

// WatchDLP calls changed with each DLP version announced until ctx ends.
// Announcements can be missed; callers also poll DLPVersion.
func (s *Store) WatchDLP(ctx context.Context, changed func(version int64)) {
	s.watchVersions(ctx, s.keyDLPChannel(), changed)
}
