// Package imagescan reads what an image says without storing it: the
// payloads of the QR codes in it, within limits on its size, its pixel
// count and the time spent. It does no I/O; the caller brings the bytes
// (a media download, an archive record) and gets the payloads and the
// image's SHA-256, which is all that is kept of it.
package imagescan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	// The formats WeCom delivers for pictures: registered with image so
	// that DecodeConfig and Decode read them.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"slices"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Defaults of Limits.
const (
	// DefaultMaxBytes is the largest image accepted: WeCom's own limit for
	// an image message is 10 MB.
	DefaultMaxBytes = 10 << 20
	// DefaultMaxPixels is the most pixels an image may declare: 40
	// megapixels is more than any phone camera's photo, and decoding it
	// takes about 160 MB (4 bytes a pixel) at worst.
	DefaultMaxPixels = 40_000_000
	// DefaultTimeout bounds the decoding and the QR search of one image.
	DefaultTimeout = 5 * time.Second
	// MaxCodes is the most QR payloads reported for one image.
	MaxCodes = 8
	// MaxPayloadBytes is how much of one payload is kept.
	MaxPayloadBytes = 2048
)

// Errors of Scan; each is wrapped with the reason.
var (
	// ErrTooLarge: the image has more bytes than Limits.MaxBytes.
	ErrTooLarge = errors.New("image too large")
	// ErrTooManyPixels: the image declares more pixels than
	// Limits.MaxPixels (a decompression bomb, or just too big); it was
	// refused before any pixel was decoded.
	ErrTooManyPixels = errors.New("image declares too many pixels")
	// ErrUnreadable: not an image of a known format, or a broken one.
	ErrUnreadable = errors.New("image unreadable")
	// ErrTimeout: decoding or the QR search took longer than Limits.Timeout.
	ErrTimeout = errors.New("image scan timed out")
)

// Limits bound the work done on one image. Zero fields take the defaults.
type Limits struct {
	MaxBytes  int64
	MaxPixels int64
	Timeout   time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}

// Result is what was read from one image.
type Result struct {
	// SHA256 is the hex SHA-256 of the image bytes: the only trace of the
	// image that is kept.
	SHA256 string `json:"sha256"`
	Format string `json:"format,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// QR holds the payloads of the QR codes found, in the order found,
	// without repeats.
	QR []string `json:"-"`
}

// Hash is the hex SHA-256 of data.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Scan reads the QR codes of one image. The byte size is checked first,
// then the dimensions the header declares (image.DecodeConfig, which reads
// only the header), and only then are the pixels decoded: a small file
// declaring 50000×50000 pixels is refused without allocating them. The
// SHA-256 is filled in whatever the outcome. An image with no QR code is
// no error: QR is empty.
//
// A context the caller cancels (or whose own deadline passes) ends the
// wait with the context's error, not ErrTimeout: that is not the image's
// fault, and the same image may be scanned again.
func Scan(ctx context.Context, data []byte, lim Limits) (Result, error) {
	return scan(ctx, data, lim, decodeQR)
}

func scan(parent context.Context, data []byte, lim Limits, decode func([]byte) ([]string, error)) (Result, error) {
	lim = lim.withDefaults()
	res := Result{SHA256: Hash(data)}
	if int64(len(data)) > lim.MaxBytes {
		return res, fmt.Errorf("scan image %.12s: %d bytes, at most %d: %w", res.SHA256, len(data), lim.MaxBytes, ErrTooLarge)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return res, fmt.Errorf("scan image %.12s: read header: %w: %v", res.SHA256, ErrUnreadable, err)
	}
	res.Format, res.Width, res.Height = format, cfg.Width, cfg.Height
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return res, fmt.Errorf("scan image %.12s: %s of %d×%d pixels: %w", res.SHA256, format, cfg.Width, cfg.Height, ErrUnreadable)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxPixels {
		return res, fmt.Errorf("scan image %.12s: %s declares %d×%d = %d pixels, at most %d: refused before decoding: %w",
			res.SHA256, format, cfg.Width, cfg.Height, px, lim.MaxPixels, ErrTooManyPixels)
	}

	if err := parent.Err(); err != nil {
		return res, fmt.Errorf("scan image %.12s: %w", res.SHA256, err)
	}
	ctx, cancel := context.WithTimeout(parent, lim.Timeout)
	defer cancel()
	type outcome struct {
		codes []string
		err   error
	}
	done := make(chan outcome, 1)
	// Neither image.Decode nor gozxing takes a context, so the work runs
	// aside and the caller stops waiting at the deadline. The goroutine
	// then finishes on its own: its memory and time are bounded by the
	// pixel limit checked above.
	go func() {
		codes, err := decode(data)
		done <- outcome{codes, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			return res, fmt.Errorf("scan image %.12s: %w", res.SHA256, o.err)
		}
		res.QR = o.codes
		return res, nil
	case <-ctx.Done():
		if err := parent.Err(); err != nil {
			return res, fmt.Errorf("scan image %.12s: %w", res.SHA256, err)
		}
		return res, fmt.Errorf("scan image %.12s: %s %d×%d not done within %s: %w: %w",
			res.SHA256, format, cfg.Width, cfg.Height, lim.Timeout, ErrTimeout, context.DeadlineExceeded)
	}
}

// decodeQR decodes the pixels and finds every QR code. gozxing reports
// "not found" as an error; that is the common case of a photo and
// becomes an empty list.
func decodeQR(data []byte) (codes []string, err error) {
	defer func() {
		// gozxing is a port of Java code; a malformed symbol should give an
		// error, but an index panic deep in it must not take the
		// service down with it.
		if r := recover(); r != nil {
			codes, err = nil, fmt.Errorf("qr decoder failed: %w: %v", ErrUnreadable, r)
		}
	}()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode pixels: %w: %v", ErrUnreadable, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, fmt.Errorf("binarize: %w: %v", ErrUnreadable, err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var found []*gozxing.Result
	if rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, hints); err == nil {
		found = rs
	}
	if len(found) == 0 {
		// The multi reader misses a lone code the plain reader finds in
		// some images (a code filling the frame).
		if r, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			found = append(found, r)
		}
	}
	for _, r := range found {
		text := r.GetText()
		if len(text) > MaxPayloadBytes {
			text = strings.ToValidUTF8(text[:MaxPayloadBytes], "")
		}
		if text == "" || slices.Contains(codes, text) {
			continue
		}
		codes = append(codes, text)
		if len(codes) == MaxCodes {
			break
		}
	}
	return codes, nil
}
