package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/silenceper/wechat/v2/util"
)

// ErrSignature means the msg_signature is missing or does not match the
// token, timestamp, nonce and ciphertext: the request did not come from WeCom
// (HTTP 403).
var ErrSignature = errors.New("invalid msg_signature")

// ErrMalformed means the request is not a well-formed WeCom callback: bad XML
// or JSON, bad base64, a ciphertext of the wrong length, bad padding, a
// plaintext too short for its header or a length field larger than the
// plaintext (HTTP 400).
var ErrMalformed = errors.New("malformed callback")

// ErrReceiveID means the ciphertext decrypted correctly but was sealed for
// another receiver (another corp, or an app instead of the intelligent bot)
// (HTTP 400). It also wraps ErrUndecryptable: a client is told no more than
// of any other ciphertext that does not open.
var ErrReceiveID = errors.New("receiveid mismatch")

// ErrUndecryptable means a ciphertext of the right form did not open with
// this receiver's key: its padding, its length field or its receiveid is
// wrong (a wrong EncodingAESKey, or an altered ciphertext). It wraps
// ErrMalformed (HTTP 400). Every such failure has this one message, without
// any value of the decrypted bytes, so that a caller able to sign requests
// cannot learn which check failed (a padding oracle); only ErrReceiveID,
// for the log, says more.
var ErrUndecryptable = fmt.Errorf("ciphertext does not decrypt with the configured EncodingAESKey: %w", ErrMalformed)

const (
	// aesKeyLen is the length of an EncodingAESKey: base64 of 32 bytes
	// without its single "=" pad.
	aesKeyLen = 43
	// padBlock is WeCom's PKCS#7 block size. It is 32, not AES's 16: WeCom
	// pads the plaintext to a multiple of 32, so every valid ciphertext is a
	// multiple of 32 bytes and a pad byte may be anything from 1 to 32.
	padBlock = 32
	// randomLen and headerLen describe the plaintext layout:
	// random(16) ‖ uint32 big-endian len(msg) ‖ msg ‖ receiveid.
	randomLen = 16
	headerLen = randomLen + 4
)

// Crypto verifies, opens and seals WeCom callbacks and replies for one
// receiver. It holds no mutable state and is safe for concurrent use.
type Crypto struct {
	token     string
	key       []byte // 32 bytes; key[:16] is the CBC IV
	block     cipher.Block
	receiveID string
}

// NewCrypto returns the Crypto of one app. token and encodingAESKey are the
// values configured in the WeCom admin console; receiveID is the CorpID for
// self-built app callbacks and "" for the intelligent bot.
func NewCrypto(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if token == "" {
		return nil, errors.New("new wecom crypto: token is empty")
	}
	if len(encodingAESKey) != aesKeyLen {
		return nil, fmt.Errorf("new wecom crypto: EncodingAESKey must be %d characters, got %d", aesKeyLen, len(encodingAESKey))
	}
	// Not base64.StdEncoding.Strict(): the 43rd character carries two unused
	// bits, and WeCom's own keys (the official sample key among them) set
	// them, so a strict decoder would refuse valid keys.
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, errors.New("new wecom crypto: EncodingAESKey is not valid base64")
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("new wecom crypto: EncodingAESKey decodes to %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new wecom crypto: %w", err)
	}
	return &Crypto{token: token, key: key, block: block, receiveID: receiveID}, nil
}

// ReceiveID returns the receiveid this Crypto seals with and expects when
// opening: the CorpID, or "" for the intelligent bot.
func (c *Crypto) ReceiveID() string { return c.receiveID }

// Signature returns the msg_signature WeCom computes for a request or a reply:
// the hex SHA-1 of the sorted, concatenated token, timestamp, nonce and
// ciphertext.
func (c *Crypto) Signature(timestamp, nonce, encrypt string) string {
	return util.Signature(c.token, timestamp, nonce, encrypt)
}

// Verify checks msg_signature against the token, timestamp, nonce and
// ciphertext in constant time. The error wraps ErrSignature.
func (c *Crypto) Verify(signature, timestamp, nonce, encrypt string) error {
	if signature == "" {
		return fmt.Errorf("verify signature: missing msg_signature: %w", ErrSignature)
	}
	want := c.Signature(timestamp, nonce, encrypt)
	if subtle.ConstantTimeCompare([]byte(signature), []byte(want)) != 1 {
		return fmt.Errorf("verify signature: mismatch: %w", ErrSignature)
	}
	return nil
}

// Decrypt opens a base64 ciphertext (an Encrypt element, an echostr or a JSON
// "encrypt" field) and returns the message it carries, after checking the
// padding, the length field and the receiveid. Errors wrap ErrMalformed;
// those of a ciphertext that decrypted to something invalid wrap
// ErrUndecryptable (and ErrReceiveID when only the receiveid is wrong)
// and carry no value of the decrypted bytes.
//
// Written here rather than taken from silenceper's util.DecryptMsg, which
// refuses an empty receiveid (it demands at least one byte after the
// message, so every intelligent-bot callback fails), checks only the last pad
// byte, decodes the key again on every call and turns panics into errors with
// recover. This version checks every pad byte (in constant time), bounds
// the length field before slicing so no input can panic, and decrypts in place in the
// buffer base64 decoding fills, returning a subslice of it.
//
// Decrypt does not verify the signature; Open, OpenJSON, OpenReply and
// VerifyURL verify first, so a caller without the token never reaches the
// padding check and cannot use it as an oracle.
func (c *Crypto) Decrypt(encrypt string) ([]byte, error) {
	return c.decrypt([]byte(encrypt))
}

// decrypt is Decrypt of a ciphertext in bytes (Open's, a range of the
// callback body), which it only reads.
func (c *Crypto) decrypt(encrypt []byte) ([]byte, error) {
	if len(encrypt) == 0 {
		return nil, fmt.Errorf("decrypt: empty ciphertext: %w", ErrMalformed)
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(encrypt)))
	n, err := base64.StdEncoding.Decode(buf, encrypt)
	if err != nil {
		return nil, fmt.Errorf("decrypt: bad base64: %w", ErrMalformed)
	}
	buf = buf[:n]
	if n == 0 || n%padBlock != 0 {
		return nil, fmt.Errorf("decrypt: ciphertext length %d is not a positive multiple of %d: %w", n, padBlock, ErrMalformed)
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)

	// From here on every failure is ErrUndecryptable with no detail, and
	// the checks take the same time whatever the bytes: which one failed
	// would tell the plaintext (see ErrUndecryptable).
	pad := int(buf[n-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, padBlock)
	for i := 1; i <= padBlock; i++ {
		// Byte n-i is padding when i <= pad; it must then equal pad.
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		good &= subtle.ConstantTimeSelect(inPad, subtle.ConstantTimeByteEq(buf[n-i], byte(pad)), 1)
	}
	if good != 1 {
		return nil, fmt.Errorf("decrypt: %w", ErrUndecryptable)
	}
	plain := buf[:n-pad]
	if len(plain) < headerLen {
		return nil, fmt.Errorf("decrypt: %w", ErrUndecryptable)
	}
	msgLen := uint64(binary.BigEndian.Uint32(plain[randomLen:headerLen]))
	if msgLen > uint64(len(plain)-headerLen) {
		return nil, fmt.Errorf("decrypt: %w", ErrUndecryptable)
	}
	end := headerLen + int(msgLen)
	if subtle.ConstantTimeCompare(plain[end:], []byte(c.receiveID)) != 1 {
		return nil, fmt.Errorf("decrypt: %w (%w)", ErrUndecryptable, ErrReceiveID)
	}
	// The full slice expression keeps an append by the caller from
	// overwriting the receiveid that follows in the same array.
	return plain[headerLen:end:end], nil
}

// Encrypt seals msg for this receiver with 16 fresh random bytes from
// crypto/rand and returns the base64 ciphertext.
func (c *Crypto) Encrypt(msg []byte) (string, error) {
	if uint64(len(msg)) > math.MaxUint32 {
		return "", fmt.Errorf("encrypt: message of %d bytes does not fit the 32-bit length field", len(msg))
	}
	var random [randomLen]byte
	_, _ = rand.Read(random[:]) // never fails: crypto/rand crashes the process instead.
	// util.AESEncryptMsg builds random ‖ len ‖ msg ‖ receiveid with the
	// 32-byte PKCS#7 padding correctly; its only panic (a bad key) cannot
	// happen because NewCrypto checked the key length.
	ct := util.AESEncryptMsg(random[:], msg, c.receiveID, c.key)
	return base64.StdEncoding.EncodeToString(ct), nil
}

// VerifyURL answers WeCom's GET URL check: it verifies the signature over
// echostr and returns the decrypted echostr, which is the whole response body
// (no quotes, no newline). The query values must already be URL-decoded.
func (c *Crypto) VerifyURL(signature, timestamp, nonce, echostr string) ([]byte, error) {
	// The signature is checked first so that an unauthenticated request is
	// always refused as such; an empty echostr then fails in Decrypt.
	if err := c.Verify(signature, timestamp, nonce, echostr); err != nil {
		return nil, fmt.Errorf("verify url: %w", err)
	}
	plain, err := c.Decrypt(echostr)
	if err != nil {
		return nil, fmt.Errorf("verify url: %w", err)
	}
	return plain, nil
}

// GenerateAESKey returns a fresh EncodingAESKey (43 characters: base64 of 32
// random bytes without the pad) for sandbox mode.
func GenerateAESKey() (string, error) {
	var key [32]byte
	_, _ = rand.Read(key[:]) // never fails: crypto/rand crashes the process instead.
	return base64.RawStdEncoding.EncodeToString(key[:]), nil
}

// GenerateToken returns a fresh callback token for sandbox mode: 26 random
// characters of A–Z and 2–7, within WeCom's rule of at most 32 letters or
// digits.
func GenerateToken() (string, error) {
	return rand.Text(), nil
}
