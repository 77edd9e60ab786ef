// Package naive is the baseline the callback path is measured against
// (issue 13): the server a developer would write in an afternoon with the
// design card's packages — gin, silenceper's util.Signature and
// util.DecryptMsg, encoding/xml, importcjj/sensitive's FindIn, and Redis
// SET NX for dedup and INCR for a per-user violation counter. It is not
// part of the product and is deliberately left naive: no freshness check,
// no passive reply, no rules, no outbox.
//
// It is the one package besides bot/store that imports go-redis: a
// baseline that went through the project's store would not be the naive
// server any more.
package naive

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/importcjj/sensitive"
	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/util"
)

// Config is the naive server's configuration.
type Config struct {
	// Token, AESKey (the 43-character EncodingAESKey) and CorpID of the app.
	Token, AESKey, CorpID string
	// RedisURL selects the Redis server (redis://host:port/db).
	RedisURL string
	// Prefix starts every key, so that runs and tests do not collide.
	Prefix string
	// Words are the sensitive words FindIn looks for.
	Words []string
	// DedupTTL is how long a MsgId is remembered (default 24 h).
	DedupTTL time.Duration
}

// Server is the naive callback server.
type Server struct {
	cfg    Config
	rdb    *redis.Client
	filter *sensitive.Filter
	engine *gin.Engine
}

// New connects to Redis and builds the word filter and the router.
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" || len(cfg.AESKey) != 43 || cfg.CorpID == "" {
		return nil, errors.New("new naive server: token, 43-character aes key and corp id are required")
	}
	if cfg.DedupTTL == 0 {
		cfg.DedupTTL = 24 * time.Hour
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("new naive server: redis url: %w", err)
	}
	s := &Server{cfg: cfg, rdb: redis.NewClient(opt), filter: sensitive.New()}
	s.filter.AddWord(cfg.Words...)
	s.engine = gin.New()
	s.engine.Use(gin.Recovery())
	s.engine.POST("/wecom/callback", s.callback)
	return s, nil
}

// Handler returns the HTTP handler: POST /wecom/callback.
func (s *Server) Handler() http.Handler { return s.engine }

// DeleteAll removes every key under the prefix (tests and benchmarks).
func (s *Server) DeleteAll(ctx context.Context) error {
	iter := s.rdb.Scan(ctx, 0, s.cfg.Prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := s.rdb.Del(ctx, iter.Val()).Err(); err != nil {
			return fmt.Errorf("delete naive keys: %w", err)
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("delete naive keys: %w", err)
	}
	return nil
}

// Close closes the Redis client.
func (s *Server) Close() error { return s.rdb.Close() }

type envelope struct {
	Encrypt string `xml:"Encrypt"`
}

type message struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
}

func (s *Server) callback(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		c.Status(http.StatusBadRequest)
		return
	}
	if util.Signature(s.cfg.Token, c.Query("timestamp"), c.Query("nonce"), env.Encrypt) != c.Query("msg_signature") {
		c.Status(http.StatusForbidden)
		return
	}
	_, plain, err := util.DecryptMsg(s.cfg.CorpID, env.Encrypt, s.cfg.AESKey)
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	var m message
	if err := xml.Unmarshal(plain, &m); err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	first, err := s.rdb.SetNX(ctx, s.cfg.Prefix+"seen:"+m.MsgID, 1, s.cfg.DedupTTL).Result()
	if err != nil {
		c.Status(http.StatusInternalServerError)
		return
	}
	if !first {
		c.Status(http.StatusOK)
		return
	}
	if found, _ := s.filter.FindIn(m.Content); found {
		if err := s.rdb.Incr(ctx, s.cfg.Prefix+"violations:"+m.FromUserName).Err(); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
	}
	c.Status(http.StatusOK)
}
