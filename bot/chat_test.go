package bot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

func TestChatKinds(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if err := st.SetChat(ctx, store.ChatInfo{ChatID: "wrfun", Kind: "private"}); err != nil {
		t.Fatal(err)
	}
	k := bot.ChatKinds{Store: st}
	for chat, want := range map[string]rules.ChatKind{"": rules.ChatDirect, "wrfun": rules.ChatPrivate, "wrunknown": rules.ChatWork} {
		got, err := k.KindOf(ctx, chat)
		if err != nil || got != want {
			t.Errorf("KindOf(%q) = %v, %v; want %v", chat, got, err, want)
		}
	}
}

func TestHROwnerSettingWins(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.st.SetChat(ctx, store.ChatInfo{ChatID: "wrset", Kind: "work", Owner: "boss7"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := h.pipeline.Process(ctx, archived("o"+strconv.Itoa(i), "sunqi", "wrset", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	if got := sentTo(h.fake); got["boss7"] != 1 {
		t.Fatalf("delivered %v, want one alert to the owner HR set (boss7)", got)
	}
}
