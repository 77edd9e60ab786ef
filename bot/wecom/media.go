package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// APIMediaGet is the temporary-media download endpoint
// (GET /cgi-bin/media/get?access_token=&media_id=): the MediaId of an image,
// voice or video message to the app names the file for three days.
const APIMediaGet = "media/get"

// DefaultMaxMedia bounds a media download: WeCom's limit for an image is
// 10 MB (voice 2 MB, video 10 MB).
const DefaultMaxMedia = 10 << 20

// ErrMediaTooLarge means a media download was longer than the caller's
// bound; it was cut off without being read whole. Not retryable.
var ErrMediaTooLarge = errors.New("wecom: media over the size limit")

// Media is one downloaded temporary media file.
type Media struct {
	Data []byte
	// ContentType is the answer's Content-Type (image/jpeg …).
	ContentType string
}

// GetMedia downloads the temporary media mediaID, reading at most maxBytes
// (DefaultMaxMedia when ≤ 0): a longer answer is refused with
// ErrMediaTooLarge, not read on. WeCom answers the file itself, or a JSON
// errcode object (40007 invalid media_id …) that becomes *APIError. A
// refused token is dropped and the call tried once more, as for every
// other call.
func (c *Client) GetMedia(ctx context.Context, mediaID string, maxBytes int64) (Media, error) {
	if strings.TrimSpace(mediaID) == "" {
		return Media{}, fmt.Errorf("get media: empty media id: %w", ErrInvalidRequest)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMedia
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return Media{}, err
		}
		m, err := c.getMedia(ctx, tok, mediaID, maxBytes)
		if attempt == 0 && TokenInvalid(err) {
			if derr := c.dropToken(ctx, tok); derr != nil {
				return Media{}, errors.Join(err, derr)
			}
			continue
		}
		return m, err
	}
}

func (c *Client) getMedia(ctx context.Context, tok, mediaID string, maxBytes int64) (Media, error) {
	q := url.Values{"access_token": {tok}, "media_id": {mediaID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/cgi-bin/"+APIMediaGet+"?"+q.Encode(), nil)
	if err != nil {
		return Media{}, fmt.Errorf("build %s request: %w", APIMediaGet, redact(err))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Media{}, fmt.Errorf("call %s: %w", APIMediaGet, redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Media{}, &HTTPError{API: APIMediaGet, Status: resp.StatusCode}
	}
	if resp.ContentLength > maxBytes {
		return Media{}, fmt.Errorf("get media: %d bytes announced, at most %d: %w", resp.ContentLength, maxBytes, ErrMediaTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return Media{}, fmt.Errorf("read %s answer: %w", APIMediaGet, redact(err))
	}
	if int64(len(data)) > maxBytes {
		return Media{}, fmt.Errorf("get media: over %d bytes: %w", maxBytes, ErrMediaTooLarge)
	}
	ct := resp.Header.Get("Content-Type")
	if isJSONAnswer(ct, data) {
		var st apiStatus
		if err := json.Unmarshal(data, &st); err != nil {
			return Media{}, fmt.Errorf("decode %s answer: %w: %v", APIMediaGet, ErrBadAnswer, err)
		}
		if st.ErrCode != 0 {
			return Media{}, &APIError{Code: st.ErrCode, Msg: st.ErrMsg, API: APIMediaGet}
		}
		return Media{}, fmt.Errorf("decode %s answer: a JSON answer without a file: %w", APIMediaGet, ErrBadAnswer)
	}
	return Media{Data: data, ContentType: ct}, nil
}

// isJSONAnswer tells an error object from a file: WeCom labels its errors
// application/json (some gateways text/plain), and no image starts with {.
func isJSONAnswer(contentType string, data []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" {
		return true
	}
	return (mt == "text/plain" || mt == "") && bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}
