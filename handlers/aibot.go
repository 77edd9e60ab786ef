package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

const endpointAIBot = "aibot"

// AIBot is what the intelligent-bot endpoint needs of package bot.
type AIBot interface {
	HandleAIBot(ctx context.Context, m *wecom.AIBotMessage) (reply string, err error)
}

// aibotVerifyURL answers the intelligent bot's URL check (GET), as for the
// app but with the bot's own token and key and the empty receiveid.
func (s *Server) aibotVerifyURL(c *gin.Context) error {
	start := s.cfg.Now()
	q := c.Request.URL.Query()
	plain, err := s.cfg.AIBotCrypto.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"))
	if err != nil {
		s.observeAt(c, endpointAIBot, start, outcomeOf(err))
		return fmt.Errorf("verify aibot url: %w", err)
	}
	s.observeAt(c, endpointAIBot, start, outcomeVerified)
	c.Data(http.StatusOK, "text/plain; charset=utf-8", plain)
	return nil
}

// aibotCallback receives an encrypted intelligent-bot message (POST, a JSON
// envelope), moderates it and answers its command with an encrypted JSON
// reply, or an empty 200 when there is nothing to say.
func (s *Server) aibotCallback(c *gin.Context) error {
	start := s.cfg.Now()
	outcome, err := s.handleAIBot(c)
	s.observeAt(c, endpointAIBot, start, outcome)
	return err
}

func (s *Server) handleAIBot(c *gin.Context) (outcome string, err error) {
	plain, nonce, outcome, err := s.openCallback(c, "aibot callback", s.cfg.AIBotCrypto.OpenJSON)
	if err != nil {
		return outcome, err
	}
	msg, err := wecom.ParseAIBotMessage(plain)
	if err != nil {
		return outcomeOf(err), fmt.Errorf("parse aibot plaintext: %w", err)
	}
	log := zerolog.Ctx(c.Request.Context())
	log.Debug().Str("msg_type", msg.MsgType).Str("chat_type", msg.ChatType).Str("from", msg.From.UserID).
		Str("msgid", msg.MsgID).Msg("aibot callback received")

	ctx := s.processContext(c)
	reply, err := s.cfg.AIBot.HandleAIBot(ctx, msg)
	if err != nil {
		// Not acknowledged: WeCom retries, and the retry may find Redis back.
		return outcomeOf(err), fmt.Errorf("process aibot %s: %w", msg.MsgID, err)
	}
	if reply == "" {
		c.Status(http.StatusOK)
		return outcomeOK, nil
	}
	ts := strconv.FormatInt(s.cfg.Now().Unix(), 10)
	out, err := s.cfg.AIBotCrypto.SealJSON(msg.Reply(reply), ts, nonce)
	if err != nil {
		// The message is processed; an empty 200 still acknowledges it.
		log.Error().Err(err).Msg("seal aibot reply; acknowledging without it")
		c.Status(http.StatusOK)
		return outcomeOK, nil
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", out)
	return outcomeReply, nil
}
