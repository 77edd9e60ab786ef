package handlers

// The admin API of the customer-contact features: the state of the WeCom
// intercept-rule sync (拦截规则) and leavers' handovers (离职继承).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/intercept"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// InterceptStatus reads the intercept-rule sync's state (intercept.Status
// over the store).
type InterceptStatus interface {
	InterceptStatus(ctx context.Context) (intercept.Report, error)
}

// Handovers is what the handover API calls (*handover.Service).
type Handovers interface {
	List(ctx context.Context) ([]*handover.Handover, error)
	Get(ctx context.Context, leaver string) (*handover.Handover, error)
	Assign(ctx context.Context, leaver, takeover, by string, customers, groups []string) (*handover.Handover, int, error)
	Refresh(ctx context.Context) error
	// CustomerNames names customers from WeCom (externalcontact/get,
	// cached); those WeCom withholds are absent.
	CustomerNames(ctx context.Context, ids []string) map[string]wecom.Customer
}

var _ Handovers = (*handover.Service)(nil)

// customerRoutes registers the intercept and handover API when configured.
func (s *Server) customerRoutes(api *gin.RouterGroup, readers, hr gin.HandlerFunc) {
	if s.cfg.Intercept != nil {
		api.GET("/intercept", readers, s.adapt(s.interceptState))
	}
	if s.cfg.Handover != nil {
		api.GET("/handovers", readers, s.adapt(s.listHandovers))
		api.POST("/handovers/refresh", hr, s.adapt(s.refreshHandovers))
		api.GET("/handovers/:leaver", readers, s.adapt(s.getHandover))
		api.POST("/handovers/:leaver/assign", hr, s.adapt(s.assignHandover))
	}
}

// interceptStatusZH names the sync's statuses.
var interceptStatusZH = map[string]string{
	intercept.StatusInStep:  "已同步",
	intercept.StatusPending: "等待同步",
	intercept.StatusFailed:  "同步失败",
}

var leftOutZH = map[string]string{
	intercept.ReasonTooLong:   "超过 32 个字，企业微信不接受",
	intercept.ReasonRuleLimit: "企业微信每个企业最多 100 条规则，已满",
}

type interceptView struct {
	intercept.Report
	// Summary says the state in one Chinese sentence.
	Summary string `json:"summary"`
	// LeftOutText gives each left-out word's reason in Chinese.
	LeftOutText []string `json:"left_out_text,omitempty"`
	// CallsText says in Chinese what each call not made yet changes, and
	// how its tries went.
	CallsText []string `json:"calls_text,omitempty"`
}

// callsText describes r's open calls for people, in their order.
func callsText(r intercept.Report) []string {
	keys := make([]string, 0, len(r.Calls))
	for k := range r.Calls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		c := r.Calls[k]
		t := c.Describe(r.Rules)
		if c.Attempts > 0 {
			t += fmt.Sprintf("：已尝试 %d 次，%s", c.Attempts, errcodeZH(c.ErrCode))
		}
		out = append(out, t)
	}
	return out
}

func (s *Server) interceptState(c *gin.Context) error {
	r, err := s.cfg.Intercept.InterceptStatus(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	v := interceptView{Report: r, CallsText: callsText(r)}
	loc := s.companyLocation()
	switch {
	case r.Status == intercept.StatusInStep:
		v.Summary = fmt.Sprintf("已同步：企业微信中有 %d 条由本系统维护的拦截规则（规则版本 %d，%s 核对）", len(r.Rules), r.Version, r.Checked.In(loc).Format("2006-01-02 15:04"))
	case r.Status == intercept.StatusFailed && r.Dead:
		v.Summary = fmt.Sprintf("同步失败：%s，已停止重试（共 %d 次）；将于 %s 重新核对并再次同步", errcodeZH(r.ErrCode), r.Attempts, r.NextTry.In(loc).Format("2006-01-02 15:04"))
	case r.Status == intercept.StatusFailed:
		v.Summary = fmt.Sprintf("同步失败（第 %d 次）：%s；将于 %s 重试", r.Attempts, errcodeZH(r.ErrCode), r.NextTry.In(loc).Format("2006-01-02 15:04"))
	case len(r.Calls) > 0:
		v.Summary = fmt.Sprintf("等待同步：规则版本 %d 的 %d 项变更正在发送到企业微信", r.Current, len(r.Calls))
	default:
		v.Summary = fmt.Sprintf("等待同步：规则版本 %d 尚未同步到企业微信", r.Current)
	}
	if n := len(r.LeftOut); n > 0 {
		v.Summary += fmt.Sprintf("；%d 个词未能加入", n)
	}
	for _, lo := range r.LeftOut {
		v.LeftOutText = append(v.LeftOutText, fmt.Sprintf("「%s」（%s）：%s", lo.Word, labelsOf(s.ruleSet()).list(lo.Category+"/"+lo.List), leftOutZH[lo.Reason]))
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func errcodeZH(code int) string {
	if code == 0 {
		return "企业微信暂时无法访问"
	}
	return fmt.Sprintf("企业微信返回错误码 %d", code)
}

// itemStateZH names the states of a handover item.
var itemStateZH = map[string]string{
	handover.StateUnassigned: "等待分配",
	handover.StateQueued:     "排队中",
	handover.StateSending:    "排队中",
	handover.StateWaiting:    "等待接替",
	handover.StateTaken:      "已接替",
	handover.StateRefused:    "客户拒绝",
	handover.StateFailed:     "失败",
}

type itemView struct {
	handover.Item
	StateText string `json:"state_text"`
	// Name is how the console shows a customer: the name WeCom gives (with
	// the corp of a WeCom customer; masked for anyone but HR), or 客户 and
	// the masked id when WeCom withholds it.
	Name string `json:"name,omitempty"`
}

// customerName is the console's name of customer id.
func customerName(id string, c wecom.Customer, known, hr bool) string {
	if !known || c.Name == "" {
		return "客户 " + maskOpaque(id)
	}
	name := c.Name
	if !hr {
		name = maskPersonName(name)
	}
	switch {
	case c.CorpName != "":
		return name + "＠" + c.CorpName
	case c.Type == wecom.CustomerWeChat:
		return name + "（微信）"
	}
	return name
}

// maskPersonName keeps a name's first character: 张三 → 张*.
func maskPersonName(name string) string {
	r := []rune(name)
	if len(r) <= 1 {
		return "*"
	}
	return string(r[:1]) + strings.Repeat("*", min(len(r)-1, 3))
}

type handoverView struct {
	Leaver      string     `json:"leaver"`
	Left        time.Time  `json:"left,omitzero"`
	Takeover    string     `json:"takeover,omitempty"`
	ChosenBy    string     `json:"chosen_by,omitempty"`
	ChosenAt    time.Time  `json:"chosen_at,omitzero"`
	Reminded    time.Time  `json:"reminded,omitzero"`
	Open        bool       `json:"open"`
	Summary     string     `json:"summary"`
	Customers   []itemView `json:"customers"`
	Groups      []itemView `json:"groups"`
	Departments []int64    `json:"departments,omitempty"`
}

var stateOrder = []string{handover.StateUnassigned, handover.StateQueued, handover.StateWaiting, handover.StateTaken, handover.StateRefused, handover.StateFailed}

// viewHandover writes h for the console; ids of customers are masked for
// anyone but HR.
func (s *Server) viewHandover(c *gin.Context, h *handover.Handover) handoverView {
	hr := principalOf(c).Role == RoleHR
	v := handoverView{Leaver: h.Leaver, Left: h.Left, Takeover: h.Takeover, ChosenBy: h.ChosenBy, ChosenAt: h.ChosenAt, Reminded: h.Reminded, Open: h.Open(), Departments: h.Departments}
	counts := map[string]int{}
	var ids []string
	for _, it := range h.Items {
		if it.Kind == handover.KindCustomer {
			ids = append(ids, it.ID)
		}
	}
	names := s.cfg.Handover.CustomerNames(c.Request.Context(), ids)
	for _, it := range h.Sorted() {
		iv := itemView{Item: *it, StateText: itemStateZH[it.State]}
		if it.Kind == handover.KindCustomer {
			cust, known := names[it.ID]
			iv.Name = customerName(it.ID, cust, known, hr)
		}
		switch {
		case it.State == handover.StateFailed && it.Reason != "":
			iv.StateText = "失败（" + it.Reason + "）"
		case it.State == handover.StateSending && it.Attempts > 0:
			iv.StateText = fmt.Sprintf("排队中（企业微信暂未受理，已重试 %d 次，%s）", it.Attempts, errcodeZH(it.ErrCode))
		}
		if !hr && it.Kind == handover.KindCustomer {
			iv.ID = maskOpaque(it.ID)
		}
		if it.Kind == handover.KindCustomer {
			v.Customers = append(v.Customers, iv)
			st := it.State
			if st == handover.StateSending {
				st = handover.StateQueued
			}
			counts[st]++
		} else {
			v.Groups = append(v.Groups, iv)
		}
	}
	var parts []string
	for _, st := range stateOrder {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d 位", itemStateZH[st], n))
		}
	}
	v.Summary = fmt.Sprintf("%s 的 %d 位客户、%d 个客户群", h.Leaver, len(v.Customers), len(v.Groups))
	if len(parts) > 0 {
		v.Summary += "：" + strings.Join(parts, "，")
	}
	if v.Customers == nil {
		v.Customers = []itemView{}
	}
	if v.Groups == nil {
		v.Groups = []itemView{}
	}
	return v
}

// maskOpaque keeps the first 4 and last 2 characters of an id.
func maskOpaque(id string) string {
	r := []rune(id)
	if len(r) <= 6 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + "****" + string(r[len(r)-2:])
}

func handoverError(err error) error {
	switch {
	case errors.Is(err, handover.ErrNotFound):
		return bot.WithKind(err, bot.ErrNotFound)
	case errors.Is(err, handover.ErrInvalid):
		return bot.WithKind(err, bot.ErrInvalid)
	}
	return bot.WithKind(err, bot.ErrUnavailable)
}

func (s *Server) listHandovers(c *gin.Context) error {
	hs, err := s.cfg.Handover.List(c.Request.Context())
	if err != nil {
		return handoverError(err)
	}
	out := make([]handoverView, 0, len(hs))
	for _, h := range hs {
		out = append(out, s.viewHandover(c, h))
	}
	c.JSON(http.StatusOK, gin.H{"handovers": out})
	return nil
}

func (s *Server) refreshHandovers(c *gin.Context) error {
	if err := s.cfg.Handover.Refresh(c.Request.Context()); err != nil {
		return handoverError(err)
	}
	return s.listHandovers(c)
}

func (s *Server) getHandover(c *gin.Context) error {
	h, err := s.cfg.Handover.Get(c.Request.Context(), c.Param("leaver"))
	if err != nil {
		return handoverError(err)
	}
	c.JSON(http.StatusOK, s.viewHandover(c, h))
	return nil
}

type assignRequest struct {
	// Takeover is the successor's userid.
	Takeover string `json:"takeover"`
	// Customers and Groups name what to hand over; both empty: everything
	// not under way or done.
	Customers []string `json:"customers"`
	Groups    []string `json:"groups"`
}

func (s *Server) assignHandover(c *gin.Context) error {
	var req assignRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Takeover = strings.TrimSpace(req.Takeover)
	if req.Takeover == "" || utf8.RuneCountInString(req.Takeover) > 64 {
		return fmt.Errorf("takeover: give the successor's userid (帐号): %w", bot.ErrInvalid)
	}
	if len(req.Customers)+len(req.Groups) > 10000 {
		return fmt.Errorf("at most 10000 customers and groups a request: %w", bot.ErrInvalid)
	}
	leaver := c.Param("leaver")
	before, err := s.cfg.Handover.Get(c.Request.Context(), leaver)
	if err != nil {
		return handoverError(err)
	}
	h, n, err := s.cfg.Handover.Assign(c.Request.Context(), leaver, req.Takeover, principalOf(c).User, req.Customers, req.Groups)
	if err != nil {
		return handoverError(err)
	}
	type auditShape struct {
		Takeover string `json:"takeover"`
		Queued   int    `json:"queued"`
	}
	if err := s.audit(c, "handover.assign", leaver, auditShape{Takeover: before.Takeover}, auditShape{Takeover: req.Takeover, Queued: n}); err != nil {
		return err
	}
	v := s.viewHandover(c, h)
	c.JSON(http.StatusOK, gin.H{"queued": n, "handover": v})
	return nil
}
