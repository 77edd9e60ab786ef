package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// sandboxFile is the file, in the state directory, that keeps the generated
// sandbox credentials so a restart (and `send`) reuse them.
const sandboxFile = "sandbox.json"

// sandboxAgentID is the AgentId of the sandbox app.
const sandboxAgentID = 1000002

// sandboxState is the generated identity of the sandbox app.
type sandboxState struct {
	CorpID  string `json:"corp_id"`
	AgentID int64  `json:"agent_id"`
	Secret  string `json:"secret"`
	Token   string `json:"token"`
	AESKey  string `json:"aes_key"`
	// The intelligent bot's callback credentials (added later: a state
	// file without them gets them on the next start).
	AIBotToken  string `json:"aibot_token,omitempty"`
	AIBotAESKey string `json:"aibot_aes_key,omitempty"`
	// IngestToken authorizes the chat-archive ingest endpoint.
	IngestToken string `json:"ingest_token,omitempty"`
}

// loadOrCreateSandbox reads the sandbox state from dir, or generates and
// writes it (mode 0600) when there is none. created tells which.
func loadOrCreateSandbox(dir string) (st sandboxState, created bool, err error) {
	path := filepath.Join(dir, sandboxFile)
	st, err = readSandbox(dir)
	switch {
	case err == nil && st.AIBotToken != "" && st.IngestToken != "":
		return st, false, nil
	case err == nil:
		// An older state file: keep the app's credentials, add the rest.
		if st.AIBotToken, st.AIBotAESKey, err = newAIBotCredentials(); err != nil {
			return sandboxState{}, false, err
		}
		if st.IngestToken, err = wecom.GenerateToken(); err != nil {
			return sandboxState{}, false, fmt.Errorf("generate sandbox ingest token: %w", err)
		}
	case errors.Is(err, os.ErrNotExist):
		if st, err = newSandbox(); err != nil {
			return sandboxState{}, false, err
		}
		created = true
	default:
		return sandboxState{}, false, err
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sandboxState{}, false, fmt.Errorf("create sandbox state dir: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return sandboxState{}, false, fmt.Errorf("write sandbox state: %w", err)
	}
	return st, created, nil
}

func newAIBotCredentials() (token, key string, err error) {
	if token, err = wecom.GenerateToken(); err != nil {
		return "", "", fmt.Errorf("generate sandbox aibot token: %w", err)
	}
	if key, err = wecom.GenerateAESKey(); err != nil {
		return "", "", fmt.Errorf("generate sandbox aibot key: %w", err)
	}
	return token, key, nil
}

// readSandbox reads an existing sandbox state; os.ErrNotExist when none.
func readSandbox(dir string) (sandboxState, error) {
	path := filepath.Join(dir, sandboxFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return sandboxState{}, fmt.Errorf("read sandbox state: %w", err)
	}
	var st sandboxState
	if err := json.Unmarshal(data, &st); err != nil {
		return sandboxState{}, fmt.Errorf("read sandbox state %s: %w (delete the file to start a new sandbox)", path, err)
	}
	if _, err := wecom.NewCrypto(st.Token, st.AESKey, st.CorpID); err != nil || st.CorpID == "" || st.AgentID == 0 {
		return sandboxState{}, fmt.Errorf("sandbox state %s is incomplete or corrupt (delete it to start a new sandbox)", path)
	}
	return st, nil
}

func newSandbox() (sandboxState, error) {
	token, err := wecom.GenerateToken()
	if err != nil {
		return sandboxState{}, fmt.Errorf("generate sandbox token: %w", err)
	}
	key, err := wecom.GenerateAESKey()
	if err != nil {
		return sandboxState{}, fmt.Errorf("generate sandbox key: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return sandboxState{}, fmt.Errorf("generate sandbox ids: %w", err)
	}
	aiToken, aiKey, err := newAIBotCredentials()
	if err != nil {
		return sandboxState{}, err
	}
	ingest, err := wecom.GenerateToken()
	if err != nil {
		return sandboxState{}, fmt.Errorf("generate sandbox ingest token: %w", err)
	}
	return sandboxState{
		CorpID:      "wwsandbox" + hex.EncodeToString(b[:4]),
		AgentID:     sandboxAgentID,
		Secret:      hex.EncodeToString(b[4:]),
		Token:       token,
		AESKey:      key,
		AIBotToken:  aiToken,
		AIBotAESKey: aiKey,
		IngestToken: ingest,
	}, nil
}

// appIdentity is what a process needs to speak for the app: the sandbox's
// generated one or the configured one.
type appIdentity struct {
	CorpID  string
	AgentID int64
	Secret  string
	Token   string
	AESKey  string
	// The intelligent bot's callback credentials; empty: no bot.
	AIBotToken, AIBotAESKey string
	// IngestToken authorizes the chat-archive ingest; empty: disabled.
	IngestToken string
}

func (st sandboxState) identity() appIdentity {
	return appIdentity{CorpID: st.CorpID, AgentID: st.AgentID, Secret: st.Secret, Token: st.Token, AESKey: st.AESKey,
		AIBotToken: st.AIBotToken, AIBotAESKey: st.AIBotAESKey, IngestToken: st.IngestToken}
}

// identity is the configured app (and bot and ingest token); in sandbox
// mode the generated sandbox credentials stand in for the ones not set.
func (c Config) identity(sandbox *sandboxState) appIdentity {
	w := c.WeCom
	id := appIdentity{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret.Reveal(), Token: w.Token.Reveal(), AESKey: w.AESKey.Reveal(),
		AIBotToken: w.AIBotToken.Reveal(), AIBotAESKey: w.AIBotAESKey.Reveal(), IngestToken: c.Archive.IngestToken.Reveal()}
	if sandbox == nil {
		return id
	}
	sb := sandbox.identity()
	if id.AIBotToken == "" {
		id.AIBotToken, id.AIBotAESKey = sb.AIBotToken, sb.AIBotAESKey
	}
	if id.IngestToken == "" {
		id.IngestToken = sb.IngestToken
	}
	sb.AIBotToken, sb.AIBotAESKey, sb.IngestToken = id.AIBotToken, id.AIBotAESKey, id.IngestToken
	return sb
}
