package naive_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/internal/naive"
)

const (
	token  = "QDG6eK"
	corpID = "wx5823bf96d3bd56c7"
	aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

func redisURL(t *testing.T) string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://" + miniredis.RunT(t).Addr()
}

// TestNaiveServer: the baseline does what it claims — it opens callbacks
// sealed by the project's crypto, refuses forged ones, deduplicates by
// MsgId and counts a sensitive word once per message.
func TestNaiveServer(t *testing.T) {
	u := redisURL(t)
	prefix := fmt.Sprintf("naivetest:%d:", rand.Int64())
	s, err := naive.New(naive.Config{Token: token, AESKey: aesKey, CorpID: corpID, RedisURL: u, Prefix: prefix, Words: []string{"赌博"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c, err := wecom.NewCrypto(token, aesKey, corpID)
	if err != nil {
		t.Fatal(err)
	}
	post := func(msgID, text string, forge bool) int {
		plain := "<xml><ToUserName><![CDATA[" + corpID + "]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1</CreateTime>" +
			"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + text + "]]></Content><MsgId>" + msgID + "</MsgId><AgentID>1</AgentID></xml>"
		body, sig, err := c.SealCallback([]byte(plain), corpID, "1", "1700000000", "n1")
		if err != nil {
			t.Fatal(err)
		}
		if forge {
			sig = strings.Repeat("0", 40)
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {"1700000000"}, "nonce": {"n1"}}
		resp, err := http.Post(srv.URL+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name   string
		id     string
		text   string
		forge  bool
		status int
	}{
		{"clean", "1", "明天开会", false, 200},
		{"violating", "2", "一起去赌博", false, 200},
		{"retry of the violation", "2", "一起去赌博", false, 200},
		{"forged", "3", "一起去赌博", true, 403},
	} {
		if got := post(tc.id, tc.text, tc.forge); got != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.name, got, tc.status)
		}
	}
	opt, _ := redis.ParseURL(u)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	defer rdb.Del(context.Background(), prefix+"violations:lisi", prefix+"seen:1", prefix+"seen:2")
	n, err := rdb.Get(context.Background(), prefix+"violations:lisi").Int()
	if err != nil || n != 1 {
		t.Fatalf("violations of lisi = %d, %v; want 1", n, err)
	}
}
