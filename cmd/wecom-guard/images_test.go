package main

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestImagesConfig(t *testing.T) {
	var c ImagesConfig
	c.applyDefaults()
	if errs := c.validate(); len(errs) != 0 || c.OCRCommand != "tesseract" || c.OCRLanguages != "chi_sim+eng" || c.OCRTimeout != 10*time.Second {
		t.Fatalf("defaults %+v: %v", c, errs)
	}
	if r, err := c.textReader(zerolog.Nop()); r != nil || err != nil {
		t.Errorf("OCR off: reader %v, %v; want none", r, err)
	}
	bad := c
	bad.OCRTimeout, bad.OCRLanguages = time.Hour, "chi sim"
	if errs := bad.validate(); len(errs) != 2 {
		t.Errorf("bad config: %v; want the timeout and the languages named", errs)
	}
	missing := c
	missing.OCR, missing.OCRCommand = true, "no-such-tesseract --psm 3"
	if _, err := missing.textReader(zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "tesseract-ocr-chi-sim") || !strings.Contains(err.Error(), "images.ocr") {
		t.Errorf("missing command: %v; want the key and the packages to install", err)
	}
}
