package wecom_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func ExampleClient_SendText() {
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "app-secret", AgentID: 1000002})
	defer fake.Close()
	c, err := wecom.NewClient(wecom.ClientConfig{
		BaseURL: fake.URL(), // WECOM_API_BASE
		CorpID:  "wwcorp", Secret: "app-secret", AgentID: 1000002,
		Tokens: &wecom.MemoryTokenStore{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.SendText(context.Background(), wecom.SendTarget{ToUser: []string{"zhangsan"}},
		"请勿在群内发送客户手机号", wecom.SendOptions{DuplicateCheckInterval: 30 * time.Minute})
	switch {
	case wecom.Retryable(err):
		fmt.Println("try again later:", err)
	case err != nil:
		fmt.Println("give up:", err)
	}
	for _, m := range fake.Sent() {
		fmt.Println(m.API, m.ToUser, m.Content)
	}
	// Output: message/send [zhangsan] 请勿在群内发送客户手机号
}

func ExamplePermanent() {
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "app-secret", AgentID: 1000002})
	defer fake.Close()
	c, err := wecom.NewClient(wecom.ClientConfig{
		BaseURL: fake.URL(), CorpID: "wwcorp", Secret: "wrong-secret", AgentID: 1000002,
		Tokens: &wecom.MemoryTokenStore{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.SendMarkdown(context.Background(), wecom.SendTarget{ToUser: []string{"lisi"}}, "**提醒**", wecom.SendOptions{})
	fmt.Println(wecom.Permanent(err), wecom.Retryable(err))
	// Output: true false
}
