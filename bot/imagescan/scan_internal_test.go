package imagescan

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/imagescan/imagescantest"
)

// TestScanTimeLimit: a decoder that does not finish within the limit is
// given up on with ErrTimeout; the decoder here blocks until released, so
// the outcome does not depend on how fast the machine is.
func TestScanTimeLimit(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	blocked := func([]byte) ([]string, error) {
		<-release
		return nil, nil
	}
	data := imagescantest.QRPNG(t, "https://example.com", 100)
	_, err := scan(context.Background(), data, Limits{Timeout: time.Millisecond}, blocked)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "not done within 1ms") {
		t.Fatalf("err %v, want ErrTimeout saying the limit", err)
	}
}

// TestDecodeQRBadPixels: a header that reads but pixels that do not (the
// file cut after the header) is ErrUnreadable from the pixel decoder.
func TestDecodeQRBadPixels(t *testing.T) {
	data := imagescantest.QRPNG(t, "https://example.com", 100)
	_, err := decodeQR(data[:60])
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "decode pixels") {
		t.Fatalf("err %v, want ErrUnreadable from the pixel decoder", err)
	}
}
