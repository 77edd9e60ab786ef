package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestGetMedia(t *testing.T) {
	fake := newFake(t, nil)
	img := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 1000)
	fake.SetMedia("MEDIA1", "image/png", img)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()

	tests := []struct {
		name     string
		id       string
		max      int64
		wantCode int
		wantErr  error
	}{
		{name: "served", id: "MEDIA1"},
		{name: "default bound", id: "MEDIA1", max: 0},
		{name: "unknown id", id: "NOPE", wantCode: wecomtest.CodeInvalidMediaID},
		{name: "over the bound", id: "MEDIA1", max: 100, wantErr: wecom.ErrMediaTooLarge},
		{name: "empty id", id: " ", wantErr: wecom.ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := c.GetMedia(ctx, tc.id, tc.max)
			switch {
			case tc.wantCode != 0:
				apiErr, ok := errors.AsType[*wecom.APIError](err)
				if !ok || apiErr.Code != tc.wantCode || apiErr.API != wecom.APIMediaGet {
					t.Fatalf("err %v, want errcode %d", err, tc.wantCode)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(m.Data, img) || m.ContentType != "image/png" {
					t.Errorf("got %d bytes of %q, want %d of image/png", len(m.Data), m.ContentType, len(img))
				}
			}
		})
	}
}

func TestGetMediaRenewsRefusedToken(t *testing.T) {
	fake := newFake(t, nil)
	fake.SetMedia("M", "", []byte("\xff\xd8\xff jpeg bytes"))
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	if _, err := c.GetMedia(ctx, "M", 0); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	m, err := c.GetMedia(ctx, "M", 0)
	if err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if m.ContentType != "image/jpeg" || fake.Calls(wecomtest.APIGetToken) != 2 {
		t.Errorf("content type %q, %d token calls; want image/jpeg and 2", m.ContentType, fake.Calls(wecomtest.APIGetToken))
	}
}
