package dlp

import (
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// RecordSet describes one imported customer record set: what HR sees and
// what the audit log keeps. It holds no value.
type RecordSet struct {
	Name    string   `json:"name"`
	Version int64    `json:"version"`
	Columns []Column `json:"columns"`
	// Rows is how many records the file had; Hashes how many distinct
	// values are stored; Invalid how many values were not valid for their
	// column's kind (left out).
	Rows       int       `json:"rows"`
	Hashes     int       `json:"hashes"`
	Invalid    int       `json:"invalid"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
	// Chunks is how many Redis values hold the hashes (bot/store).
	Chunks int `json:"chunks"`
	// Format is the encoding of the stored entries: EntryFormatTagged
	// (hash, prefilter tag, column) or, for sets imported before the
	// prefilter, 0 (hash, column).
	Format int `json:"format,omitempty"`
}

// Column is one column of a record set: its header and kind.
type Column struct {
	Name string     `json:"name"`
	Kind ColumnKind `json:"kind"`
	// Values is how many valid values it had.
	Values int `json:"values"`
}

// Entry is one stored value: its keyed hash, its prefilter tag (see
// Key.recordTag; 0 in sets of format 0, which have none) and the index of
// its column.
type Entry struct {
	Hash   uint64
	Tag    uint32
	Column uint8
}

// Entry formats (RecordSet.Format).
const (
	EntryFormatUntagged = 0 // 9 bytes: hash, column
	EntryFormatTagged   = 2 // 13 bytes: hash, tag, column
)

// EntrySize is the size of an encoded Entry (EntryFormatTagged);
// entrySizeUntagged that of one of format 0.
const (
	EntrySize         = 13
	entrySizeUntagged = 9
)

// EncodeEntries appends es to dst, EntrySize bytes each
// (EntryFormatTagged).
func EncodeEntries(dst []byte, es []Entry) []byte {
	for _, e := range es {
		dst = binary.BigEndian.AppendUint64(dst, e.Hash)
		dst = binary.BigEndian.AppendUint32(dst, e.Tag)
		dst = append(dst, e.Column)
	}
	return dst
}

// ErrUnknownFormat is returned when stored hashes or fingerprints are in a
// format this build does not know: written by a newer wecom-guard during a
// rolling upgrade. A reader skips that set or document rather than all.
var ErrUnknownFormat = errors.New("unknown format (written by a newer wecom-guard?)")

// DecodeEntries appends the entries encoded in b, of format format, to
// dst.
func DecodeEntries(dst []Entry, b []byte, format int) ([]Entry, error) {
	size := EntrySize
	switch format {
	case EntryFormatTagged:
	case EntryFormatUntagged:
		size = entrySizeUntagged
	default:
		return dst, fmt.Errorf("decode record hashes: format %d: %w", format, ErrUnknownFormat)
	}
	if len(b)%size != 0 {
		return dst, fmt.Errorf("decode record hashes: %d bytes is not a whole number of entries", len(b))
	}
	for ; len(b) > 0; b = b[size:] {
		if format == EntryFormatUntagged {
			dst = append(dst, Entry{Hash: binary.BigEndian.Uint64(b), Column: b[8]})
			continue
		}
		dst = append(dst, Entry{Hash: binary.BigEndian.Uint64(b), Tag: binary.BigEndian.Uint32(b[8:]), Column: b[12]})
	}
	return dst, nil
}

// ColumnSpec picks a column of the file: its header, and what it is.
type ColumnSpec struct {
	Header string
	Kind   ColumnKind
}

// ParseColumns reads an import's --columns: "phone,id_card" when the
// headers are the kinds' names, "手机=phone,证件号=id_card" otherwise.
func ParseColumns(spec string) ([]ColumnSpec, error) {
	var out []ColumnSpec
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		header, kind, named := strings.Cut(part, "=")
		if !named {
			kind = header
		}
		header = strings.TrimSpace(header)
		k, err := ParseColumnKind(kind)
		if err != nil {
			return nil, fmt.Errorf("columns %q: %w", part, err)
		}
		if slices.ContainsFunc(out, func(c ColumnSpec) bool { return c.Header == header }) {
			return nil, fmt.Errorf("columns: %q is named twice", header)
		}
		out = append(out, ColumnSpec{Header: header, Kind: k})
	}
	if len(out) == 0 {
		return nil, errors.New("columns: name at least one column (phone,id_card or 手机=phone)")
	}
	if len(out) > 255 {
		return nil, errors.New("columns: at most 255 columns")
	}
	return out, nil
}

// Imported is the result of reading a record file: the set's description
// (without name and version) and its hashes, sorted and distinct.
type Imported struct {
	Columns []Column
	Rows    int
	Invalid int
	// Problems says where invalid values were (row and column, never the
	// value), the first maxProblems of them.
	Problems []string
	Entries  []Entry
}

const maxProblems = 20

// ProgressEvery is how many rows Import reads between progress calls.
const ProgressEvery = 10000

// Import reads a CSV file of customer records (a header line naming the
// columns, then one record a line), normalizes the values of the columns
// in specs and keeps only their keyed hashes. progress, when set, is called
// every ProgressEvery rows with the rows read so far. Nothing of the file
// is written anywhere; invalid values are counted and located, not kept.
func Import(r io.Reader, specs []ColumnSpec, key *Key, progress func(rows int)) (*Imported, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("read records: the file is empty; its first line must name the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("read records header: %w", err)
	}
	idx := make([]int, len(specs))
	out := &Imported{Columns: make([]Column, len(specs))}
	for i, s := range specs {
		idx[i] = slices.IndexFunc(header, func(h string) bool {
			return strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == s.Header
		})
		if idx[i] < 0 {
			return nil, fmt.Errorf("read records: no column %q in the header (columns: %s)", s.Header, strings.Join(header, ", "))
		}
		out.Columns[i] = Column{Name: s.Header, Kind: s.Kind}
	}
	var buf []byte
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("read records: line %d: %v", pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("read records: %w", err)
		}
		out.Rows++
		for i, s := range specs {
			if idx[i] >= len(rec) || strings.TrimSpace(rec[idx[i]]) == "" {
				continue
			}
			var ok bool
			buf, ok = Normalize(s.Kind, rec[idx[i]], buf[:0])
			if !ok {
				out.Invalid++
				if len(out.Problems) < maxProblems {
					out.Problems = append(out.Problems, fmt.Sprintf("第 %d 条记录的“%s”不是有效的%s", out.Rows, s.Header, KindLabel(s.Kind)))
				}
				continue
			}
			out.Columns[i].Values++
			out.Entries = append(out.Entries, key.entry(s.Kind, buf, uint8(i)))
		}
		if progress != nil && out.Rows%ProgressEvery == 0 {
			progress(out.Rows)
		}
	}
	if progress != nil {
		progress(out.Rows)
	}
	slices.SortFunc(out.Entries, func(a, b Entry) int {
		if a.Hash != b.Hash {
			if a.Hash < b.Hash {
				return -1
			}
			return 1
		}
		return int(a.Column) - int(b.Column)
	})
	out.Entries = slices.CompactFunc(out.Entries, func(a, b Entry) bool { return a == b })
	return out, nil
}

// KindLabel is the Chinese name of a column kind, for people.
func KindLabel(k ColumnKind) string {
	switch k {
	case KindPhone:
		return "手机号"
	case KindIDCard:
		return "身份证号"
	case KindBankCard:
		return "银行卡号"
	case KindEmail:
		return "邮箱地址"
	case KindToken:
		return "编号"
	}
	return string(k)
}
