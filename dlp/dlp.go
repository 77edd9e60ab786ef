// Package dlp is wecom-guard's data-loss prevention that knows the
// company's own data without storing it: exact data matching of customer
// records (is this number one of our customers'?) and fingerprints of
// confidential documents (is this paragraph from one of our documents?).
//
// Customer record values are normalized exactly as the detectors read them
// (moderation.NumberValue: +86, spaces, full-width and Chinese digits …)
// and kept only as truncated HMAC-SHA256 values under a secret key that is
// configured, never stored in Redis. Documents are kept only as winnowing
// fingerprints (Schleimer, Wilkerson and Aiken, "Winnowing: local
// algorithms for document fingerprinting", SIGMOD 2003) of their
// normalized character k-grams, each fingerprint a keyed hash (SipHash-2-4;
// AES in documents stored before format 2) under a key derived from the
// same secret, plus the document's name, category and paragraph
// boundaries: never its text.
//
// An Index holds both in memory for the hot path and implements
// rules.DataMatcher; it is immutable: build a new one when the stored sets
// change and swap it in. The package does no I/O and never logs.
package dlp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"sync"

	"github.com/dchest/siphash"
)

// MinSecretLen is the shortest secret NewKey accepts.
const MinSecretLen = 16

// Key keys every hash this package stores. It is safe for concurrent use.
type Key struct {
	records sync.Pool // *recordHasher
	// tagK0, tagK1 key the prefilter tag (SipHash-2-4).
	tagK0, tagK1 uint64
	// fpK0, fpK1 key the fingerprints of format 2 (SipHash-2-4) and sel
	// their selection (which k-grams winnowing keeps); fp and fpMix key
	// those of format 1 (AES, selected unkeyed), still read.
	fpK0, fpK1 uint64
	sel        selection
	fp         cipher.Block
	fpMix      uint64
	// gram keys the probe tags of short documents (format 5): see
	// gramKey.
	gram gramKey
}

// NewKey derives the records and fingerprint keys from secret (at least
// MinSecretLen bytes; a random value from the secret file).
func NewKey(secret []byte) (*Key, error) {
	if len(secret) < MinSecretLen {
		return nil, errors.New("dlp secret is too short: give at least 16 random bytes (e.g. openssl rand -hex 32)")
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	recKey := derive("wecom-guard dlp records v1")
	fpKey := derive("wecom-guard dlp fingerprints v1")
	tagKey := derive("wecom-guard dlp prefilter v1")
	fpKey2 := derive("wecom-guard dlp fingerprints v2")
	selKey := derive("wecom-guard dlp selection v2")
	gramK := derive("wecom-guard dlp gram tags v5")
	block, err := aes.NewCipher(fpKey[:16])
	if err != nil {
		return nil, err
	}
	k := &Key{fp: block, fpMix: binary.LittleEndian.Uint64(fpKey[16:24]),
		tagK0: binary.LittleEndian.Uint64(tagKey[:8]), tagK1: binary.LittleEndian.Uint64(tagKey[8:16]),
		fpK0: binary.LittleEndian.Uint64(fpKey2[:8]), fpK1: binary.LittleEndian.Uint64(fpKey2[8:16]),
		sel:  selection{x: binary.LittleEndian.Uint64(selKey[:8]), m: binary.LittleEndian.Uint64(selKey[8:16]) | 1},
		gram: gramKey{k0: binary.LittleEndian.Uint64(gramK[:8]), k1: binary.LittleEndian.Uint64(gramK[8:16])}}
	k.records.New = func() any { return &recordHasher{mac: hmac.New(sha256.New, recKey)} }
	return k, nil
}

// recordHash returns the stored form of a normalized value of column kind
// kind: the first 8 bytes of HMAC-SHA256(key, kind ":" value), never 0.
// Columns of one kind share hashes, so a finding costs one HMAC whatever
// the number of sets.
func (k *Key) recordHash(kind ColumnKind, value []byte) uint64 {
	rh := k.records.Get().(*recordHasher)
	rh.mac.Reset()
	b := append(rh.buf[:0], kind...)
	b = append(b, ':')
	b = append(b, value...)
	rh.mac.Write(b)
	h := binary.BigEndian.Uint64(rh.mac.Sum(rh.buf[:0]))
	k.records.Put(rh)
	return nonZero(h)
}

// entry returns the stored form of the normalized value v of a column of
// kind kind at index col: its HMAC and its prefilter tag.
func (k *Key) entry(kind ColumnKind, v []byte, col uint8) Entry {
	return Entry{Hash: k.recordHash(kind, v), Tag: k.recordTag(kind, v), Column: col}
}

// recordTag returns the prefilter tag of a normalized value of column kind
// kind: 32 bits of SipHash-2-4 (a keyed PRF built for short inputs, about
// a tenth of an HMAC-SHA256's cost) under a key derived from the secret,
// of kind ":" value. A tag is stored beside each value's HMAC; the index
// keeps a Bloom filter of the tags a column kind (five bits of one 64-byte
// block a tag, tagFilter), so a value that is no customer's is turned away
// by one SipHash and one cache line,
// and only a value whose tag's bits are set pays the HMAC. 32 bits under a secret key say nothing of the
// value without the key, and (being shorter than the HMAC) no more with
// it than the HMAC does.
func (k *Key) recordTag(kind ColumnKind, value []byte) uint32 {
	var buf [96]byte
	b := append(buf[:0], kind...)
	b = append(b, ':')
	b = append(b, value...)
	return uint32(siphash.Hash(k.tagK0, k.tagK1, b))
}

// recordHasher is a pooled HMAC with its buffer, so hashing a value does
// not allocate.
type recordHasher struct {
	mac hash.Hash
	buf [96]byte
}

// fingerprint returns the stored form (format 2) of the k-gram hash h:
// SipHash-2-4 of h under a 128-bit key derived from the secret. SipHash is
// a pseudorandom function (Aumasson and Bernstein, 2012): without the key a
// stored value tells nothing about its k-gram, and checking it against
// guessed phrases needs the key, which is configured and never stored (an
// unkeyed k-gram hash could be checked against guessed phrases). A 2 KB
// message has ~80 fingerprints: their SipHash measured 1.2–1.7 µs, their
// AES (format 1) 1.8–2.0 µs, in the same runs.
func (k *Key) fingerprint(h uint64) uint64 {
	return nonZero(sipHash64(k.fpK0, k.fpK1, h))
}

// fingerprintAES returns the stored form of format 1 of the k-gram hash h:
// AES under the fingerprint key of h and a key-derived word, truncated to
// 8 bytes. Documents stored before format 2 hold these; being truncated,
// they cannot be turned into format 2 without the text, so messages are
// also hashed this way while such a document is protected.
func (k *Key) fingerprintAES(h uint64, buf *[16]byte) uint64 {
	binary.LittleEndian.PutUint64(buf[:8], h)
	binary.LittleEndian.PutUint64(buf[8:], k.fpMix)
	k.fp.Encrypt(buf[:], buf[:])
	return nonZero(binary.LittleEndian.Uint64(buf[:8]))
}

// nonZero maps 0 (an empty slot in the tables) to 1.
func nonZero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}
