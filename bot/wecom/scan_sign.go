package wecom

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// signPart is one input of msg_signature: a string, or the ciphertext as a
// range of the callback body.
type signPart struct {
	s     string
	b     []byte
	bytes bool
}

func (p signPart) less(q signPart) bool {
	switch {
	case p.bytes && q.bytes:
		return string(p.b) < string(q.b)
	case p.bytes:
		return string(p.b) < q.s
	case q.bytes:
		return p.s < string(q.b)
	}
	return p.s < q.s
}

func (p signPart) appendTo(dst []byte) []byte {
	if p.bytes {
		return append(dst, p.b...)
	}
	return append(dst, p.s...)
}

// signBufLen is the stack buffer signatureBytes joins its inputs in; a
// text callback's ciphertext is well under it.
const signBufLen = 2048

// signatureBytes is Signature over a ciphertext in bytes: the same sorted
// join and SHA-1 as util.Signature (TestSignatureBytesMatchesSilenceper),
// written here so that Open neither copies the ciphertext into a string nor
// allocates for the join, the sort and the hex.
func (c *Crypto) signatureBytes(dst *[sha1.Size * 2]byte, timestamp, nonce string, encrypt []byte) {
	parts := [4]signPart{{s: c.token}, {s: timestamp}, {s: nonce}, {b: encrypt, bytes: true}}
	for i := 1; i < len(parts); i++ { // insertion sort of four
		for j := i; j > 0 && parts[j].less(parts[j-1]); j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
	var stack [signBufLen]byte
	joined := stack[:0]
	if n := len(c.token) + len(timestamp) + len(nonce) + len(encrypt); n > signBufLen {
		joined = make([]byte, 0, n)
	}
	for _, p := range parts {
		joined = p.appendTo(joined)
	}
	sum := sha1.Sum(joined)
	hex.Encode(dst[:], sum[:])
}

// verifyBytes is Verify over a ciphertext in bytes, in constant time for a
// signature of the right length.
func (c *Crypto) verifyBytes(signature, timestamp, nonce string, encrypt []byte) error {
	if signature == "" {
		return fmt.Errorf("verify signature: missing msg_signature: %w", ErrSignature)
	}
	var want [sha1.Size * 2]byte
	c.signatureBytes(&want, timestamp, nonce, encrypt)
	if len(signature) != len(want) {
		return fmt.Errorf("verify signature: mismatch: %w", ErrSignature)
	}
	var diff byte
	for i := range want {
		diff |= signature[i] ^ want[i]
	}
	if diff != 0 {
		return fmt.Errorf("verify signature: mismatch: %w", ErrSignature)
	}
	return nil
}
