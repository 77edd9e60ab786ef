package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/dlp"
	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// DLPConfig serves the customer record sets and protected documents API
// (docs/dlp.md). Answers name sets, columns, documents and counts, never a
// value or a document's text.
type DLPConfig struct {
	Store   bot.DataStore
	Key     *dlp.Key
	Options dlp.Options
	// Data is the index in force (bot.Data.Matcher), which 试一试
	// (POST /api/v1/test) consults as the pipeline does; nil: it does not.
	Data func() rules.DataMatcher
}

// dataMatcher returns the index 试一试 consults, or nil.
func (s *Server) dataMatcher() rules.DataMatcher {
	if s.cfg.DLP.Data == nil {
		return nil
	}
	return s.cfg.DLP.Data()
}

// dataZH says in Chinese where a customer_record or document hit's data
// comes from (客户数据「重点客户」的“手机”列; 保密文件《2027年报价策略》
// （报价）第 3 段起 212 字): names and counts, never a value.
func dataZH(m *rules.DataMatch) string {
	if m == nil {
		return ""
	}
	switch m.Kind {
	case moderation.KindCustomerRecord:
		return "与客户数据「" + m.Set + "」的“" + m.Column + "”列中的一条记录相同"
	case moderation.KindDocument:
		s := "与保密文件《" + m.Set + "》"
		if m.Column != "" {
			s += "（" + m.Column + "）"
		}
		return s + "第 " + strconv.Itoa(m.Paragraph) + " 段起的 " + strconv.Itoa(m.Shared) + " 个字相同"
	}
	return ""
}

// Upload bounds: a CSV of a few million records, a document of 32 MB.
const (
	maxRecordsBody  = 512 << 20
	maxDocumentBody = dlp.MaxDocumentBytes + 1<<20
)

// dlpRoutes registers the DLP API when a key is configured.
func (s *Server) dlpRoutes(api *gin.RouterGroup, readers, hr gin.HandlerFunc) {
	if s.cfg.DLP.Store == nil || s.cfg.DLP.Key == nil {
		return
	}
	api.GET("/dlp", readers, s.adapt(s.dlpOverview))
	api.PUT("/dlp/sets/:name", hr, s.adapt(s.importRecordSet))
	api.DELETE("/dlp/sets/:name", hr, s.adapt(s.deleteRecordSet))
	api.POST("/dlp/documents", hr, s.adapt(s.addDocument))
	api.DELETE("/dlp/documents/:id", hr, s.adapt(s.deleteDocument))
}

// dlpOverview is GET /api/v1/dlp: the record sets and documents in Redis.
type dlpOverview struct {
	Version   int64           `json:"version"`
	Sets      []dlp.RecordSet `json:"sets"`
	Documents []dlp.Document  `json:"documents"`
}

func (s *Server) dlpOverview(c *gin.Context) error {
	x, v, _, err := bot.LoadData(c.Request.Context(), s.cfg.DLP.Store, s.cfg.DLP.Key, s.cfg.DLP.Options)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	out := dlpOverview{Version: v, Sets: x.Sets(), Documents: x.Docs()}
	if out.Sets == nil {
		out.Sets = []dlp.RecordSet{}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// importRecordSet is PUT /api/v1/dlp/sets/:name?columns=手机=phone: the
// body is the CSV file; the set is replaced in one step.
func (s *Server) importRecordSet(c *gin.Context) error {
	name := c.Param("name")
	if err := bot.CheckDataName(name); err != nil {
		return fmt.Errorf("%v: %w", err, bot.ErrInvalid)
	}
	specs, err := dlp.ParseColumns(c.Query("columns"))
	if err != nil {
		return fmt.Errorf("%v: %w", err, bot.ErrInvalid)
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxRecordsBody)
	imp, err := dlp.Import(body, specs, s.cfg.DLP.Key, nil)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("the file is larger than %d MB; import it with `wecom-guard records import`: %w", maxRecordsBody>>20, bot.ErrInvalid)
		}
		return fmt.Errorf("%v: %w", err, bot.ErrInvalid)
	}
	p := principalOf(c)
	set, err := bot.SaveRecordSet(c.Request.Context(), s.cfg.DLP.Store, name, imp, p.User, s.cfg.Now(), nil)
	if err != nil {
		return err
	}
	if err := s.audit(c, "dlp.records.import", name, nil, set); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"set": set, "problems": nonNil(imp.Problems)})
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) deleteRecordSet(c *gin.Context) error {
	name := c.Param("name")
	ok, err := s.cfg.DLP.Store.DeleteRecordSet(c.Request.Context(), name)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("no record set %q: %w", name, bot.ErrNotFound)
	}
	if err := s.audit(c, "dlp.records.delete", name, nil, nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// addDocument is POST /api/v1/dlp/documents, multipart: file, name
// (default: the file's name) and category. Only fingerprints are kept.
func (s *Server) addDocument(c *gin.Context) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxDocumentBody)
	fh, err := c.FormFile("file")
	if err != nil {
		return fmt.Errorf("upload the document as the multipart field \"file\" (.txt, .md, .docx; at most %d MB): %w", dlp.MaxDocumentBytes>>20, bot.ErrInvalid)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("read the uploaded document: %v: %w", err, bot.ErrInvalid)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, dlp.MaxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("read the uploaded document: %v: %w", err, bot.ErrInvalid)
	}
	if len(data) > dlp.MaxDocumentBytes {
		return fmt.Errorf("the document is larger than %d MB: %w", dlp.MaxDocumentBytes>>20, bot.ErrInvalid)
	}
	name := strings.TrimSpace(c.PostForm("name"))
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(fh.Filename), filepath.Ext(fh.Filename))
	}
	p := principalOf(c)
	doc, err := bot.SaveDocument(c.Request.Context(), s.cfg.DLP.Store, s.cfg.DLP.Key, name, strings.TrimSpace(c.PostForm("category")),
		filepath.Base(fh.Filename), data, p.User, s.cfg.Now())
	if err != nil {
		return err
	}
	if err := s.audit(c, "dlp.document.add", doc.ID, nil, doc); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, doc)
	return nil
}

func (s *Server) deleteDocument(c *gin.Context) error {
	id := c.Param("id")
	ok, err := s.cfg.DLP.Store.DeleteDocument(c.Request.Context(), id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("no document %q: %w", id, bot.ErrNotFound)
	}
	if err := s.audit(c, "dlp.document.delete", id, nil, nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// dlpAuditSummary writes the audit sentence of a DLP change: names and
// counts, as the entry holds nothing else.
func dlpAuditSummary(e store.AuditEntry, after map[string]any) (string, bool) {
	num := func(k string) int {
		f, _ := after[k].(float64)
		return int(f)
	}
	str := func(k string) string {
		s, _ := after[k].(string)
		return s
	}
	switch e.Action {
	case "dlp.records.import":
		var cols []string
		list, _ := after["columns"].([]any)
		for _, c := range list {
			m, _ := c.(map[string]any)
			name, _ := m["name"].(string)
			kind, _ := m["kind"].(string)
			cols = append(cols, name+"（"+dlp.KindLabel(dlp.ColumnKind(kind))+"）")
		}
		s := fmt.Sprintf("导入客户数据「%s」第 %d 版：%d 条记录，%d 个不同的值", e.Target, num("version"), num("rows"), num("hashes"))
		if len(cols) > 0 {
			s += "，列：" + strings.Join(cols, "、")
		}
		if n := num("invalid"); n > 0 {
			s += fmt.Sprintf("，%d 个无效值未导入", n)
		}
		return s, true
	case "dlp.records.delete":
		return "删除客户数据「" + e.Target + "」及其全部哈希", true
	case "dlp.document.add":
		s := fmt.Sprintf("上传保密文件「%s」：%d 字、%d 段，只保留指纹", str("name"), num("chars"), num("paragraphs"))
		if c := str("category"); c != "" {
			s = fmt.Sprintf("上传保密文件「%s」（%s）：%d 字、%d 段，只保留指纹", str("name"), c, num("chars"), num("paragraphs"))
		}
		return s, true
	case "dlp.document.delete":
		return "删除保密文件 " + e.Target + " 的全部指纹", true
	}
	return "", false
}
