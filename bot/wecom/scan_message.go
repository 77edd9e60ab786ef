package wecom

// scanMessage fills w from a decrypted plaintext with the fixed-format
// scanner, as xml.Unmarshal would (the last of repeated elements wins,
// <Item>s of every MemChangeList are appended, unknown elements are
// skipped). Every text is a substring of plain unless it needed decoding.
// false: the input is not in the scanner's subset and w is partly filled;
// the caller decodes with encoding/xml instead.
func scanMessage(plain string, w *wireMessage) bool {
	return scanFlat(plain, func(parent, name string, t textSpan) bool {
		if parent == "MemChangeList" {
			if name != "Item" {
				return true // ignored, as by encoding/xml
			}
			if t.container {
				return false
			}
			w.MemChangeList.Items = append(w.MemChangeList.Items, decodeText(plain, t))
			return true
		}
		if parent != "" {
			return true // inside an element that is not a field
		}
		if name == "MemChangeList" {
			// Text directly inside it is dropped by encoding/xml too; the
			// scanner only sees it here when there are no children, and
			// then it must be white space for the shapes to agree.
			return t.container || isBlank(plain[t.start:t.end])
		}
		f := w.field(name)
		if f == nil {
			return true // unknown: kept in Raw only
		}
		if t.container {
			return false // a text field with child elements
		}
		*f = decodeText(plain, t)
		return true
	})
}

// isBlank reports whether s is empty or XML white space.
func isBlank(s string) bool {
	return skipSpace(s, 0) == len(s)
}

// field returns the text field of w named by the XML element name, or nil.
func (w *wireMessage) field(name string) *string {
	switch name {
	case "ToUserName":
		return &w.ToUserName
	case "FromUserName":
		return &w.FromUserName
	case "CreateTime":
		return &w.CreateTime
	case "MsgType":
		return &w.MsgType
	case "MsgId":
		return &w.MsgID
	case "AgentID":
		return &w.AgentID
	case "Content":
		return &w.Content
	case "PicUrl":
		return &w.PicURL
	case "MediaId":
		return &w.MediaID
	case "Format":
		return &w.Format
	case "ThumbMediaId":
		return &w.ThumbMediaID
	case "Location_X":
		return &w.LocationX
	case "Location_Y":
		return &w.LocationY
	case "Scale":
		return &w.Scale
	case "Label":
		return &w.Label
	case "Title":
		return &w.Title
	case "Description":
		return &w.Description
	case "Url":
		return &w.URL
	case "Event":
		return &w.Event
	case "EventKey":
		return &w.EventKey
	case "ChangeType":
		return &w.ChangeType
	case "UserID":
		return &w.UserID
	case "NewUserID":
		return &w.NewUserID
	case "Name":
		return &w.Name
	case "Alias":
		return &w.Alias
	case "Position":
		return &w.Position
	case "Department":
		return &w.Department
	case "MainDepartment":
		return &w.MainDepartment
	case "IsLeaderInDept":
		return &w.IsLeaderInDept
	case "DirectLeader":
		return &w.DirectLeader
	case "Status":
		return &w.Status
	case "Id":
		return &w.PartyID
	case "ParentId":
		return &w.ParentID
	case "ExternalUserID":
		return &w.ExternalUserID
	case "ChatId":
		return &w.ChatID
	case "UpdateDetail":
		return &w.UpdateDetail
	case "JoinScene":
		return &w.JoinScene
	case "QuitScene":
		return &w.QuitScene
	case "MemChangeCnt":
		return &w.MemChangeCnt
	case "LastMemVer":
		return &w.LastMemVer
	case "CurMemVer":
		return &w.CurMemVer
	}
	return nil
}

// scanEnvelope fills env from a callback body with the fixed-format
// scanner; false: not in its subset (use encoding/xml).
func scanEnvelope(body []byte, env *Envelope) bool {
	var to, enc, agent textSpan
	var seen [3]bool
	ok := scanFlat(body, func(parent, name []byte, t textSpan) bool {
		if len(parent) != 0 {
			return true
		}
		var dst *textSpan
		var k int
		switch string(name) {
		case "ToUserName":
			dst, k = &to, 0
		case "Encrypt":
			dst, k = &enc, 1
		case "AgentID":
			dst, k = &agent, 2
		default:
			return true
		}
		if t.container {
			return false
		}
		*dst, seen[k] = t, true
		return true
	})
	if !ok {
		return false
	}
	*env = Envelope{}
	if seen[0] {
		env.ToUserName = decodeText(body, to)
	}
	if seen[1] {
		env.Encrypt = decodeText(body, enc)
	}
	if seen[2] {
		env.AgentID = decodeText(body, agent)
	}
	return true
}

// scanEncrypt returns the Encrypt text of a callback body without copying
// it when it is simple (as WeCom sends it: one CDATA section), for Open.
// ok false: not in the scanner's subset.
func scanEncrypt(body []byte) (enc []byte, ok bool) {
	var span textSpan
	var seen bool
	ok = scanFlat(body, func(parent, name []byte, t textSpan) bool {
		if len(parent) != 0 || string(name) != "Encrypt" {
			return true
		}
		if t.container {
			return false
		}
		span, seen = t, true
		return true
	})
	if !ok || !seen {
		return nil, ok
	}
	if span.simple {
		return body[span.start:span.end:span.end], true
	}
	return []byte(decodeText(body, span)), true
}
