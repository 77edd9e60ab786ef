// Package imagescantest makes test images in memory: QR codes encoded with
// gozxing's writer, plain drawn pictures and a decompression bomb. No
// fixture is ever downloaded or stored.
package imagescantest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// QR returns an image of size×size pixels holding one QR code of payload.
func QR(t testing.TB, payload string, size int) image.Image {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(payload, gozxing.BarcodeFormat_QR_CODE, size, size, nil)
	if err != nil {
		t.Fatalf("encode qr %q: %v", payload, err)
	}
	img := image.NewGray(image.Rect(0, 0, m.GetWidth(), m.GetHeight()))
	for y := 0; y < m.GetHeight(); y++ {
		for x := 0; x < m.GetWidth(); x++ {
			c := color.Gray{Y: 255}
			if m.Get(x, y) {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img
}

// QRPNG is QR encoded as PNG.
func QRPNG(t testing.TB, payload string, size int) []byte {
	t.Helper()
	return PNG(t, QR(t, payload, size))
}

// OnPhoto pastes code onto a larger colourful picture at (x, y), as a
// screenshot or poster with a code in a corner would be, encoded as JPEG.
func OnPhoto(t testing.TB, code image.Image, w, h, x, y int) []byte {
	t.Helper()
	img := Photo(w, h)
	r := code.Bounds()
	draw.Draw(img, image.Rect(x, y, x+r.Dx(), y+r.Dy()), code, r.Min, draw.Src)
	return JPEG(t, img)
}

// Photo draws a w×h picture with gradients and stripes and no code.
func Photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{
				R: uint8(x * 255 / max(w, 1)),
				G: uint8(y * 255 / max(h, 1)),
				B: uint8(((x / 17) + (y / 23)) % 2 * 160),
				A: 255,
			})
		}
	}
	return img
}

// PNG encodes img as PNG.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatalf("encode png: %v", err)
	}
	return b.Bytes()
}

// JPEG encodes img as JPEG of good quality.
func JPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatalf("encode jpeg: %v", err)
	}
	return b.Bytes()
}

// Bomb returns a small PNG (a few hundred bytes) whose header declares
// w×h pixels: a decoder that trusted it would allocate w·h·bytes-per-pixel.
// It is a valid 1×1 PNG with the IHDR dimensions rewritten and the chunk's
// CRC recomputed, so only the pixel data is short.
func Bomb(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data := PNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// 8-byte signature, then IHDR: length (4), type (4), width, height …
	const ihdr = 8
	if string(data[ihdr+4:ihdr+8]) != "IHDR" {
		t.Fatal("bomb: png without IHDR first")
	}
	out := bytes.Clone(data)
	binary.BigEndian.PutUint32(out[ihdr+8:], w)
	binary.BigEndian.PutUint32(out[ihdr+12:], h)
	n := binary.BigEndian.Uint32(out[ihdr:])
	crc := crc32.ChecksumIEEE(out[ihdr+4 : ihdr+8+int(n)])
	binary.BigEndian.PutUint32(out[ihdr+8+int(n):], crc)
	return out
}
