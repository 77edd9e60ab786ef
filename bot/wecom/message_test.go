package wecom_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Sample plaintexts in the shapes of WeCom's documentation (接收消息 and
// 事件格式 of self-built apps).
const (
	sampleText = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[加我微信 abc123 ]]></Content><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>`

	sampleImage = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://wework.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[media_id_1]]></MediaId><MsgId>1234567890123457</MsgId><AgentID>1</AgentID></xml>`

	sampleVoice = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1357290913</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id_2]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>1234567890123458</MsgId><AgentID>1</AgentID></xml>`

	sampleVideo = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1357290913</CreateTime><MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_id_3]]></MediaId><ThumbMediaId><![CDATA[thumb_3]]></ThumbMediaId><MsgId>1234567890123459</MsgId><AgentID>1</AgentID></xml>`

	sampleLocation = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123460</MsgId><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>`

	sampleLink = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[link]]></MsgType><Title><![CDATA[内部资料]]></Title><Description><![CDATA[请勿外传]]></Description><Url><![CDATA[https://example.com/doc]]></Url><PicUrl><![CDATA[https://example.com/p.png]]></PicUrl><MsgId>1234567890123461</MsgId><AgentID>1</AgentID></xml>`

	sampleEnterAgent = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1408091189</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1</AgentID></xml>`

	sampleCreateUser = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader><Position><![CDATA[产品经理]]></Position><Mobile>13800000000</Mobile><Gender>1</Gender><Email><![CDATA[zhangsan@example.com]]></Email><Status>1</Status><Avatar><![CDATA[http://wx.qlogo.cn/a]]></Avatar><Alias><![CDATA[zhangsan]]></Alias><Telephone><![CDATA[020-123456]]></Telephone><Address><![CDATA[广州市]]></Address><ExtAttr><Item><Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text></Item></ExtAttr></xml>`

	sampleUpdateUser = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><NewUserID><![CDATA[zhangsan001]]></NewUserID><Name><![CDATA[某某公司]]></Name><Alias><![CDATA[某某公司官方]]></Alias><Department><![CDATA[1,2]]></Department></xml>`

	sampleDeleteUser = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>delete_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>`

	sampleExternalChat = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>1</JoinScene><QuitScene>0</QuitScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item>Jack</Item><Item>Rose</Item></MemChangeList><LastMemVer>9c3f97c2ada667dfb5f6d03308d963e1</LastMemVer><CurMemVer>71217227bbd112ecfe3a49c482195cb4</CurMemVer></xml>`

	sampleExternalChatDismiss = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[dismiss]]></ChangeType></xml>`

	sampleMsgAudit = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><AgentID>2000003</AgentID><Event><![CDATA[msgaudit_notify]]></Event></xml>`

	sampleUnknown = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[hologram]]></MsgType><Projection dim="3"><Frame>1</Frame><Frame>2</Frame></Projection><FutureField>x</FutureField><MsgId>99</MsgId><AgentID>1</AgentID></xml>`
)

func TestParseMessage(t *testing.T) {
	hdr := func(from string, created int64, typ, id, agent string) wecom.Message {
		return wecom.Message{ToUserName: "ww1", FromUserName: from, CreateTime: created, MsgType: typ, MsgID: id, AgentID: agent}
	}
	with := func(m wecom.Message, f func(*wecom.Message)) wecom.Message { f(&m); return m }
	tests := []struct {
		name string
		xml  string
		want wecom.Message
		evt  bool
	}{
		{"text", sampleText, with(hdr("zhangsan", 1348831860, "text", "1234567890123456", "1"), func(m *wecom.Message) {
			m.Content = "加我微信 abc123 "
		}), false},
		{"image", sampleImage, with(hdr("zhangsan", 1348831860, "image", "1234567890123457", "1"), func(m *wecom.Message) {
			m.PicURL, m.MediaID = "https://wework.qpic.cn/x.jpg", "media_id_1"
		}), false},
		{"voice", sampleVoice, with(hdr("zhangsan", 1357290913, "voice", "1234567890123458", "1"), func(m *wecom.Message) {
			m.MediaID, m.Format = "media_id_2", "amr"
		}), false},
		{"video", sampleVideo, with(hdr("zhangsan", 1357290913, "video", "1234567890123459", "1"), func(m *wecom.Message) {
			m.MediaID, m.ThumbMediaID = "media_id_3", "thumb_3"
		}), false},
		{"location", sampleLocation, with(hdr("zhangsan", 1351776360, "location", "1234567890123460", "1"), func(m *wecom.Message) {
			m.LocationX, m.LocationY, m.Scale, m.Label = 23.134521, 113.358803, 20, "位置信息"
		}), false},
		{"link", sampleLink, with(hdr("zhangsan", 1348831860, "link", "1234567890123461", "1"), func(m *wecom.Message) {
			m.Title, m.Description, m.URL, m.PicURL = "内部资料", "请勿外传", "https://example.com/doc", "https://example.com/p.png"
		}), false},
		{"enter_agent", sampleEnterAgent, with(hdr("zhangsan", 1408091189, "event", "", "1"), func(m *wecom.Message) {
			m.Event = wecom.EventEnterAgent
		}), true},
		{"change_contact create_user", sampleCreateUser, with(hdr("sys", 1403610513, "event", "", ""), func(m *wecom.Message) {
			m.Event, m.ChangeType = wecom.EventChangeContact, wecom.ChangeCreateUser
			m.UserID, m.Name, m.Alias, m.Position = "zhangsan", "张三", "zhangsan", "产品经理"
			m.Department, m.MainDepartment, m.IsLeaderInDept, m.DirectLeader, m.Status = "1,2,3", "1", "1,0,0", "lisi,wangwu", 1
		}), true},
		{"change_contact update_user with NewUserID", sampleUpdateUser, with(hdr("sys", 1403610513, "event", "", ""), func(m *wecom.Message) {
			m.Event, m.ChangeType = wecom.EventChangeContact, wecom.ChangeUpdateUser
			m.UserID, m.NewUserID, m.Name, m.Alias, m.Department = "zhangsan", "zhangsan001", "某某公司", "某某公司官方", "1,2"
		}), true},
		{"change_contact delete_user", sampleDeleteUser, with(hdr("sys", 1403610513, "event", "", ""), func(m *wecom.Message) {
			m.Event, m.ChangeType, m.UserID = wecom.EventChangeContact, wecom.ChangeDeleteUser, "zhangsan"
		}), true},
		{"change_external_chat add_member", sampleExternalChat, with(hdr("sys", 1403610513, "event", "", ""), func(m *wecom.Message) {
			m.Event, m.ChangeType, m.ChatID, m.UpdateDetail = wecom.EventChangeExternalChat, "update", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "add_member"
			m.JoinScene, m.MemChangeCnt, m.MemChangeList = 1, 2, []string{"Jack", "Rose"}
			m.LastMemVer, m.CurMemVer = "9c3f97c2ada667dfb5f6d03308d963e1", "71217227bbd112ecfe3a49c482195cb4"
		}), true},
		{"change_external_chat dismiss", sampleExternalChatDismiss, with(hdr("sys", 1403610513, "event", "", ""), func(m *wecom.Message) {
			m.Event, m.ChangeType, m.ChatID = wecom.EventChangeExternalChat, "dismiss", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"
		}), true},
		{"msgaudit_notify", sampleMsgAudit, with(hdr("sys", 1403610513, "event", "", "2000003"), func(m *wecom.Message) {
			m.Event = wecom.EventMsgAuditNotify
		}), true},
		{"unknown type and fields", sampleUnknown, hdr("zhangsan", 1700000000, "hologram", "99", "1"), false},
		{"other root and odd numbers", `<message><CreateTime>1.5e9</CreateTime><Scale></Scale><MsgType>text</MsgType><Location_X>north</Location_X></message>`,
			wecom.Message{MsgType: "text"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wecom.ParseMessage([]byte(tc.xml))
			if err != nil {
				t.Fatalf("ParseMessage: %v", err)
			}
			if string(got.Raw) != tc.xml {
				t.Errorf("Raw = %q, want the whole input", got.Raw)
			}
			want := tc.want
			want.Raw = got.Raw
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("ParseMessage =\n%+v\nwant\n%+v", *got, want)
			}
			if got.IsEvent() != tc.evt {
				t.Errorf("IsEvent = %v, want %v", got.IsEvent(), tc.evt)
			}
		})
	}
}

func TestParseMessageKeepsPersonalDataOnlyInRaw(t *testing.T) {
	m, err := wecom.ParseMessage([]byte(sampleCreateUser))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.Raw), "13800000000") {
		t.Fatalf("Raw lost the mobile number")
	}
	// Name comes from the member, not from the nested ExtAttr item.
	if m.Name != "张三" {
		t.Errorf("Name = %q, want 张三", m.Name)
	}
}

func TestParseMessageRawIsACopy(t *testing.T) {
	in := []byte(sampleText)
	m, err := wecom.ParseMessage(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	if m.Raw[0] != '<' {
		t.Errorf("Raw aliases the input buffer")
	}
}

func TestParseMessageMalformed(t *testing.T) {
	for _, in := range []string{"", "   ", "hello", `{"msgtype":"text"}`, "<xml><Content>x</xml>", "<xml><Content>x"} {
		t.Run(in, func(t *testing.T) {
			m, err := wecom.ParseMessage([]byte(in))
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Fatalf("ParseMessage(%q) = %+v, %v; want ErrMalformed", in, m, err)
			}
		})
	}
}

func TestDedupKey(t *testing.T) {
	parse := func(s string) *wecom.Message {
		t.Helper()
		m, err := wecom.ParseMessage([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name string
		msg  *wecom.Message
		want string
	}{
		{"text by MsgId", parse(sampleText), "msg:1234567890123456"},
		{"unknown type by MsgId", parse(sampleUnknown), "msg:99"},
		{"enter_agent", parse(sampleEnterAgent), "evt:zhangsan:1408091189:enter_agent:"},
		{"msgaudit_notify", parse(sampleMsgAudit), "evt:sys:1403610513:msgaudit_notify:"},
		{"update_user names its member", parse(sampleUpdateUser), "evt:sys:1403610513:change_contact:update_user:zhangsan"},
		{"external chat names chat, detail and version", parse(sampleExternalChat),
			"evt:sys:1403610513:change_external_chat:update:wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA,add_member,71217227bbd112ecfe3a49c482195cb4"},
		{"message without MsgId", &wecom.Message{FromUserName: "u", CreateTime: 5, MsgType: "text"}, "evt:u:5:text:"},
		{"escaped parts", &wecom.Message{FromUserName: "a b:{x}", CreateTime: 1, MsgType: "event", Event: "e\r\n", UserID: "c,d"},
			"evt:a+b%3A%7Bx%7D:1:e%0D%0A::c%2Cd"},
		{"escaped MsgId", &wecom.Message{MsgType: "text", MsgID: "{1}:2"}, "msg:%7B1%7D%3A2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.msg.DedupKey(); got != tc.want {
				t.Errorf("DedupKey = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDedupKeyDistinguishesAndRepeats(t *testing.T) {
	a, _ := wecom.ParseMessage([]byte(sampleUpdateUser))
	again, _ := wecom.ParseMessage([]byte(sampleUpdateUser))
	if a.DedupKey() != again.DedupKey() {
		t.Errorf("a retried event got a different key")
	}
	// Another member updated by "sys" in the same second is another event.
	b, _ := wecom.ParseMessage([]byte(strings.Replace(sampleUpdateUser, "<UserID><![CDATA[zhangsan]]>", "<UserID><![CDATA[lisi]]>", 1)))
	if a.DedupKey() == b.DedupKey() {
		t.Errorf("two members' updates share key %q", a.DedupKey())
	}
	c, _ := wecom.ParseMessage([]byte(sampleDeleteUser))
	if a.DedupKey() == c.DedupKey() {
		t.Errorf("update and delete share key %q", a.DedupKey())
	}
	// A message and an event never collide, even with a crafted MsgId.
	crafted := &wecom.Message{MsgType: "text", MsgID: "x"}
	evt := &wecom.Message{MsgType: "event", FromUserName: "x"}
	if crafted.DedupKey() == evt.DedupKey() {
		t.Errorf("message and event share a key")
	}
}

func TestDedupKeyBounded(t *testing.T) {
	long := strings.Repeat("张", 300)
	for _, m := range []*wecom.Message{
		{MsgType: "event", FromUserName: long, Event: "e"},
		{MsgType: "text", MsgID: long},
	} {
		k := m.DedupKey()
		if len(k) > 200 {
			t.Errorf("key of %d bytes, want at most 200", len(k))
		}
		if !strings.HasPrefix(k, "evt:h:") && !strings.HasPrefix(k, "msg:h:") {
			t.Errorf("long key %q is not hashed", k)
		}
		other := *m
		other.FromUserName += "x"
		other.MsgID += "x"
		if other.DedupKey() == k {
			t.Errorf("two long keys hash alike")
		}
	}
}
