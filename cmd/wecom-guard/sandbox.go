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
}

// loadOrCreateSandbox reads the sandbox state from dir, or generates and
// writes it (mode 0600) when there is none. created tells which.
func loadOrCreateSandbox(dir string) (st sandboxState, created bool, err error) {
	path := filepath.Join(dir, sandboxFile)
	st, err = readSandbox(dir)
	if err == nil {
		return st, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return sandboxState{}, false, err
	}
	if st, err = newSandbox(); err != nil {
		return sandboxState{}, false, err
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sandboxState{}, false, fmt.Errorf("create sandbox state dir: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return sandboxState{}, false, fmt.Errorf("write sandbox state: %w", err)
	}
	return st, true, nil
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
	return sandboxState{
		CorpID:  "wwsandbox" + hex.EncodeToString(b[:4]),
		AgentID: sandboxAgentID,
		Secret:  hex.EncodeToString(b[4:]),
		Token:   token,
		AESKey:  key,
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
}

func (st sandboxState) identity() appIdentity {
	return appIdentity{CorpID: st.CorpID, AgentID: st.AgentID, Secret: st.Secret, Token: st.Token, AESKey: st.AESKey}
}

func (w WeComConfig) identity() appIdentity {
	return appIdentity{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret.Reveal(), Token: w.Token.Reveal(), AESKey: w.AESKey.Reveal()}
}
