package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/dlp"
)

// DLPConfig configures exact data matching and document fingerprints.
type DLPConfig struct {
	// Secret keys every stored hash (DLP_SECRET or DLP_SECRET_FILE; at
	// least 16 bytes, e.g. openssl rand -hex 32). It is never written to
	// Redis; without it customer records and documents are off. Changing
	// it makes every stored set and document unreadable: import them again.
	Secret Secret `yaml:"secret"`
	// MinChars is how many consecutive normalized characters of a
	// protected document a message must reproduce (default 50).
	MinChars int `yaml:"min_chars"`
	// ShortPercent is the percent of a short document that is enough
	// (default 30).
	ShortPercent int `yaml:"short_percent"`
}

func (d *DLPConfig) applyDefaults() {
	if d.MinChars == 0 {
		d.MinChars = dlp.DefaultMinChars
	}
	if d.ShortPercent == 0 {
		d.ShortPercent = int(dlp.DefaultShortShare * 100)
	}
}

func (d DLPConfig) validate() []error {
	var errs []error
	if d.Secret != "" && len(d.Secret) < dlp.MinSecretLen {
		errs = append(errs, fmt.Errorf("%s is %d bytes: give at least %d random bytes (openssl rand -hex 32)", keyRef("dlp.secret"), len(d.Secret), dlp.MinSecretLen))
	}
	if d.MinChars < dlp.Guarantee {
		errs = append(errs, fmt.Errorf("%s %d: use at least %d (shorter copies cannot be told apart reliably)", keyRef("dlp.min_chars"), d.MinChars, dlp.Guarantee))
	}
	if d.ShortPercent < 1 || d.ShortPercent > 100 {
		errs = append(errs, fmt.Errorf("%s %d: use 1 to 100", keyRef("dlp.short_percent"), d.ShortPercent))
	}
	return errs
}

// key returns the DLP key, or nil when no secret is configured.
func (d DLPConfig) key() (*dlp.Key, error) {
	if d.Secret == "" {
		return nil, nil
	}
	k, err := dlp.NewKey([]byte(d.Secret.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("dlp.secret (DLP_SECRET or DLP_SECRET_FILE): %w", err)
	}
	return k, nil
}

func (d DLPConfig) options() dlp.Options {
	return dlp.Options{MinChars: d.MinChars, ShortShare: float64(d.ShortPercent) / 100}
}

const recordsUsage = `Usage:
  wecom-guard records import FILE --columns phone,id_card [--name NAME]
  wecom-guard records import FILE --columns 手机=phone,证件号=id_card
  wecom-guard records list
  wecom-guard records delete NAME
  wecom-guard records protect FILE --name NAME [--category CATEGORY]
  wecom-guard records unprotect ID

import reads a CSV file of customer records (a header line, then one record
a line) and stores only keyed hashes (HMAC-SHA256 under dlp.secret) of the
chosen columns as the record set NAME (default: the file's name); importing
a set again replaces it in one step. Kinds: phone, id_card, bank_card, email,
and token kinds (customer_no, contract_no, account_no, order_no, member_no,
policy_no, token) matched as whole words. protect fingerprints a document
(.txt, .md, .docx) and keeps only its fingerprints and name. Every replica
follows within a second. Needs REDIS_URL and DLP_SECRET (or DLP_SECRET_FILE).
`

func runRecords(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("records", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	columns := fs.String("columns", "", "the columns to use: kinds (phone,id_card) or header=kind (手机=phone)")
	name := fs.String("name", "", "the record set's or document's name")
	category := fs.String("category", "", "the document's category (protect)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() { fmt.Fprint(fs.Output(), recordsUsage+"\nFlags:\n"); fs.PrintDefaults() }
	if len(args) == 0 {
		return usageErrorf("records", "records: expected import, list, delete, protect or unprotect")
	}
	verb, rest := args[0], args[1:]
	if verb == "-h" || verb == "--help" || verb == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	// Flags may follow the file: records import FILE --columns ….
	var pos []string
	for {
		if err := parseFlags(fs, "records", rest, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	wantArgs := map[string]int{"import": 1, "list": 0, "delete": 1, "protect": 1, "unprotect": 1}
	n, known := wantArgs[verb]
	if !known {
		return usageErrorf("records", "records: unknown verb %q (import, list, delete, protect, unprotect)", verb)
	}
	if len(pos) != n {
		return usageErrorf("records", "records %s: expected %d argument(s), got %d", verb, n, len(pos))
	}
	var specs []dlp.ColumnSpec
	if verb == "import" {
		var err error
		if specs, err = dlp.ParseColumns(*columns); err != nil {
			return usageErrorf("records", "records import: --%v", err)
		}
	}
	cfg, err := redisCommandConfig(*configPath, "records", "record sets live in the Redis the service uses")
	if err != nil {
		return err
	}
	key, err := cfg.DLP.key()
	if err != nil {
		return err
	}
	if key == nil && (verb == "import" || verb == "protect") {
		return errors.New("records: dlp.secret is not set: set DLP_SECRET_FILE to a file holding a random secret (openssl rand -hex 32), the same for every replica")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	who := "cli:" + currentUser()
	audit := func(action, target string, after any) error {
		e := store.AuditEntry{Time: time.Now(), User: who, Role: "hr", Action: action, Target: target}
		if after != nil {
			e.After, _ = json.Marshal(after)
		}
		return st.Audit(ctx, e)
	}
	switch verb {
	case "import":
		setName := *name
		if setName == "" {
			setName = strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0]))
		}
		set, err := importRecords(ctx, st, key, pos[0], setName, specs, who, *quiet, stderr)
		if err != nil {
			return err
		}
		if err := audit("dlp.records.import", set.Name, set); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %d records of %s as record set %q version %d: %d distinct values (%s), %d invalid left out; running replicas follow within a second\n",
			set.Rows, pos[0], set.Name, set.Version, set.Hashes, describeColumns(set.Columns), set.Invalid)
		return nil
	case "list":
		x, v, unreadable, err := bot.LoadData(ctx, st, key, cfg.DLP.options())
		if err != nil {
			return err
		}
		for _, u := range unreadable {
			fmt.Fprintf(stderr, "records: %s is stored in a format this wecom-guard does not know (written by a newer one?): left out\n", u)
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "record set\tversion\trecords\tvalues\tcolumns\timported\n")
		for _, s := range x.Sets() {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s by %s\n", s.Name, s.Version, s.Rows, s.Hashes, describeColumns(s.Columns),
				s.ImportedAt.In(cst).Format("2006-01-02 15:04"), s.ImportedBy)
		}
		fmt.Fprintf(tw, "\ndocument\tid\tcategory\tchars\tparagraphs\tuploaded\n")
		for _, d := range x.Docs() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s by %s\n", d.Name, d.ID, d.Category, d.Chars, d.Paragraphs,
				d.UploadedAt.In(cst).Format("2006-01-02 15:04"), d.UploadedBy)
		}
		fmt.Fprintf(tw, "\ndlp version %d\n", v)
		return tw.Flush()
	case "delete":
		ok, err := st.DeleteRecordSet(ctx, pos[0])
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("records delete: no record set %q (see records list)", pos[0])
		}
		if err := audit("dlp.records.delete", pos[0], nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted record set %q and all its hashes\n", pos[0])
		return nil
	case "protect":
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("records protect: %w", err)
		}
		if len(data) > dlp.MaxDocumentBytes {
			return fmt.Errorf("records protect: %s is larger than %d MB", pos[0], dlp.MaxDocumentBytes>>20)
		}
		docName := *name
		if docName == "" {
			docName = strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0]))
		}
		doc, err := bot.SaveDocument(ctx, st, key, docName, *category, filepath.Base(pos[0]), data, who, time.Now())
		if err != nil {
			return fmt.Errorf("records protect %s: %w", pos[0], err)
		}
		if err := audit("dlp.document.add", doc.ID, doc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "protected %q as document %s: %d characters in %d paragraphs, %d fingerprints kept, the text dropped\n",
			doc.Name, doc.ID, doc.Chars, doc.Paragraphs, doc.Prints)
		return nil
	default: // unprotect
		ok, err := st.DeleteDocument(ctx, pos[0])
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("records unprotect: no document %q (see records list)", pos[0])
		}
		if err := audit("dlp.document.delete", pos[0], nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted document %s and its fingerprints\n", pos[0])
		return nil
	}
}

// importRecords reads FILE with a progress bar on stderr (bytes read, then
// hashes written) and stores the set.
func importRecords(ctx context.Context, st *store.Store, key *dlp.Key, path, name string, specs []dlp.ColumnSpec, who string, quiet bool, stderr io.Writer) (dlp.RecordSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return dlp.RecordSet{}, fmt.Errorf("records import: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return dlp.RecordSet{}, fmt.Errorf("records import: %w", err)
	}
	var r io.Reader = f
	var bar *progressbar.ProgressBar
	if !quiet {
		bar = progressbar.NewOptions64(fi.Size(), progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("读取并哈希 "+filepath.Base(path)), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowCount(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		r = io.TeeReader(f, bar)
	}
	imp, err := dlp.Import(r, specs, key, nil)
	if err != nil {
		return dlp.RecordSet{}, fmt.Errorf("records import %s: %w", path, err)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	for _, p := range imp.Problems {
		fmt.Fprintln(stderr, "skipped:", p)
	}
	var progress func(int)
	if !quiet {
		wbar := progressbar.NewOptions(len(imp.Entries), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("写入 Redis"), progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		progress = func(n int) { _ = wbar.Set(n) }
	}
	return bot.SaveRecordSet(ctx, st, name, imp, who, time.Now(), progress)
}

// cst is China Standard Time, the zone people read times in.
var cst = time.FixedZone("CST", 8*3600)

func describeColumns(cs []dlp.Column) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s=%s:%d", c.Name, c.Kind, c.Values)
	}
	return strings.Join(parts, ", ")
}
