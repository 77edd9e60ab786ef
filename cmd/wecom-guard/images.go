package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/ocr"
)

// ImagesConfig turns on OCR of the text in images (off by default): the
// text goes through the policy like a message, its hits shown as 图片文字.
type ImagesConfig struct {
	// OCR runs OCRCommand on every image that passed the size and pixel
	// limits.
	OCR bool `yaml:"ocr"`
	// OCRCommand is the Tesseract program (default "tesseract"; Debian's
	// tesseract-ocr with tesseract-ocr-chi-sim).
	OCRCommand string `yaml:"ocr_command"`
	// OCRLanguages are Tesseract's language packs (default chi_sim+eng);
	// those not installed are left out with a warning.
	OCRLanguages string `yaml:"ocr_languages"`
	// OCRTimeout bounds one image (default 10s).
	OCRTimeout time.Duration `yaml:"ocr_timeout"`
}

func (c *ImagesConfig) applyDefaults() {
	if c.OCRCommand == "" {
		c.OCRCommand = "tesseract"
	}
	if c.OCRLanguages == "" {
		c.OCRLanguages = ocr.DefaultLanguages
	}
	if c.OCRTimeout == 0 {
		c.OCRTimeout = ocr.DefaultTimeout
	}
}

func (c ImagesConfig) validate() []error {
	var errs []error
	if c.OCRTimeout < time.Second || c.OCRTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("%s %s: use 1s to 1m", keyRef("images.ocr_timeout"), c.OCRTimeout))
	}
	if strings.ContainsAny(c.OCRLanguages, " /") {
		errs = append(errs, fmt.Errorf("%s %q: name language packs joined by +, e.g. chi_sim+eng", keyRef("images.ocr_languages"), c.OCRLanguages))
	}
	return errs
}

// textReader is the OCR the pipeline uses: nil (no OCR) unless turned on;
// a missing command, or none of the language packs installed, is an error
// that says what to install; a missing pack of several is logged.
func (c ImagesConfig) textReader(log zerolog.Logger) (bot.TextReader, error) {
	if !c.OCR {
		return nil, nil
	}
	t, err := ocr.New(ocr.Config{Command: strings.Fields(c.OCRCommand), Languages: c.OCRLanguages, Timeout: c.OCRTimeout})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyRef("images.ocr"), err)
	}
	if missing := t.Missing(); len(missing) > 0 {
		log.Warn().Strs("missing", missing).Str("languages", t.Languages()).
			Msg("OCR: language packs not installed are left out (Chinese text needs tesseract-ocr-chi-sim)")
	} else {
		log.Info().Str("languages", t.Languages()).Msg("OCR on")
	}
	return t, nil
}
