package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// A real deployment's offending messages come from many senders in many
// groups, each group with its own owner. `load --groups N` builds them as
// the chat archive delivers them, and the sandbox's directory answers for
// these groups (sandboxLoadRoom), so that each owner alert goes to a
// member of its own and WeCom's per-member limits, which the sender keeps,
// are not what the run measures.

// loadGroupPrefix starts the ids of the load tool's groups: "wr" like the
// archive's internal groups, so the sender asks msgaudit/groupchat/get.
const loadGroupPrefix = "wrwgload"

// loadGroupID names group g of a run: wrwgloadRUNgNNNN.
func loadGroupID(run string, g int) string {
	return fmt.Sprintf("%s%sg%04d", loadGroupPrefix, run, g)
}

// loadGroupOwner is the owner of a load group id, and whether id is one.
func loadGroupOwner(id string) (string, bool) {
	rest, ok := strings.CutPrefix(id, loadGroupPrefix)
	if !ok {
		return "", false
	}
	run, num, ok := strings.Cut(rest, "g")
	if !ok || len(run) != 6 || len(num) != 4 {
		return "", false
	}
	if _, err := strconv.ParseUint(run, 16, 32); err != nil {
		return "", false
	}
	if _, err := strconv.Atoi(num); err != nil {
		return "", false
	}
	return "wgload-" + run + "-owner" + num, true
}

// sandboxLoadRoom answers the sandbox's msgaudit/groupchat/get for the load
// tool's groups (wecomtest.Config.RoomOf).
func sandboxLoadRoom(id string) (wecomtest.ArchiveRoom, bool) {
	owner, ok := loadGroupOwner(id)
	if !ok {
		return wecomtest.ArchiveRoom{}, false
	}
	return wecomtest.ArchiveRoom{RoomID: id, Name: "压测群 " + id[len(id)-4:], Creator: owner}, true
}

// ingestURLOf is the archive ingest endpoint on the host of a callback URL.
func ingestURLOf(callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/api/v1/archive/messages"}).String()
}

// groupCall builds the n-th offending message of a run as a chat-archive
// text record of group n mod Groups, from the run's n-th offender.
func groupCall(lc loadPlan, run string, n int, msgID string, now time.Time) (loadCall, error) {
	from, group := violationSender(run, n), loadGroupID(run, n%lc.Groups)
	rec := archivedText{MsgID: "wgload" + run + "-" + msgID, Action: "send", From: from, ToList: []string{}, RoomID: group,
		MsgTime: now.UnixMilli(), MsgType: "text"}
	rec.Text.Content = lc.Violations[n%len(lc.Violations)]
	body, err := json.Marshal(rec)
	if err != nil {
		return loadCall{}, fmt.Errorf("load: %w", err)
	}
	return loadCall{url: lc.IngestURL, body: body, violating: true, sender: from, group: group, ingest: true,
		auth: "Bearer " + lc.IngestToken}, nil
}
