//go:build msgaudit && linux && cgo

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/silenceper/wechat/v2/work/config"
	"github.com/silenceper/wechat/v2/work/msgaudit"
)

// msgauditBuilt is true: this binary links WeCom's chat-archive SDK
// (libWeWorkFinanceSdk_C.so) through silenceper/wechat's msgaudit client.
const msgauditBuilt = true

// sdkSource pulls and decrypts records with the vendor's SDK. Its calls
// block in C and do not see ctx; Timeout bounds each of them instead.
type sdkSource struct {
	client *msgaudit.Client
	cfg    ArchiveConfig
}

// openArchiveSource initialises the SDK for corpID with the archive secret
// and the private key.
func openArchiveSource(cfg ArchiveConfig, corpID string) (archiveSource, error) {
	key, err := os.ReadFile(cfg.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("read archive private key: %w", err)
	}
	c, err := msgaudit.NewClient(&config.Config{CorpID: corpID, CorpSecret: cfg.Secret.Reveal(), RasPrivateKey: string(key)})
	if err != nil {
		return nil, fmt.Errorf("init chat archive SDK (check WECOM_CORP_ID and WECOM_ARCHIVE_SECRET): %w", err)
	}
	return &sdkSource{client: c, cfg: cfg}, nil
}

// Pull fetches up to limit records after seq and decrypts each; a record
// that does not decrypt is returned with its error.
func (s *sdkSource) Pull(ctx context.Context, after uint64, limit int) ([]pulledRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := s.client.GetChatData(after, uint64(limit), s.cfg.Proxy, s.cfg.ProxyPassword.Reveal(), int(s.cfg.Timeout.Seconds()))
	if err != nil {
		return nil, fmt.Errorf("GetChatData after seq %d: %w", after, err)
	}
	out := make([]pulledRecord, 0, len(data))
	for _, d := range data {
		r := pulledRecord{Seq: d.Seq, MsgID: d.MsgID}
		msg, err := s.client.DecryptData(d.EncryptRandomKey, d.EncryptChatMsg)
		if err != nil {
			r.Err = fmt.Errorf("publickey_ver %d: %w", d.PublickeyVer, err)
			out = append(out, r)
			continue
		}
		// The client keeps the plaintext unexported; its map view is
		// re-encoded. (It also drops raw control characters from the
		// plaintext before this point.)
		m, err := msg.GetOriginMessage()
		if err == nil {
			r.Plain, err = json.Marshal(m)
		}
		if err != nil {
			r.Err = fmt.Errorf("re-encode plaintext: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Close frees the SDK instance.
func (s *sdkSource) Close() { s.client.Free() }
