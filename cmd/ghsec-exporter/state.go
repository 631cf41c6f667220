package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// cmdState inspects the state file: show (counts), deadletter (list a
// sink's dead letters as JSON lines), requeue (move them back to the outbox),
// compact (rewrite it without the pages a drained backlog left free).
// show and deadletter open the file read-only, so they work beside a running
// daemon only when it is stopped (bbolt holds an exclusive lock).
func cmdState(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("state needs a subcommand: show, deadletter, requeue or compact")
	}
	sub := args[0]
	var sink string
	_, path, err := configFlag("state "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&sink, "sink", "", "sink name (deadletter, requeue)")
	})
	if err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return withConfigHint(*path, err)
	}
	if sub == "compact" {
		before, after, err := state.Compact(cfg.State.Path, state.Options{})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "compacted %s: %d bytes → %d bytes\n", cfg.State.Path, before, after)
		return err
	}
	db, err := state.Open(cfg.State.Path, state.Options{ReadOnly: sub != "requeue"})
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "show":
		return stateShow(db, stdout)
	case "deadletter":
		if sink == "" {
			return fmt.Errorf("state deadletter needs -sink NAME")
		}
		return db.View(func(tx *state.Tx) error {
			return tx.ForEachDead(sink, func(_ uint64, entry []byte) error {
				_, err := fmt.Fprintf(stdout, "%s\n", entry)
				return err
			})
		})
	case "requeue":
		if sink == "" {
			return fmt.Errorf("state requeue needs -sink NAME")
		}
		return db.Update(func(tx *state.Tx) error {
			n, err := tx.Requeue(sink)
			fmt.Fprintf(stdout, "requeued %d records for sink %s\n", n, sink)
			return err
		})
	}
	return fmt.Errorf("unknown state subcommand %q (show, deadletter, requeue, compact)", sub)
}

func stateShow(db *state.DB, w io.Writer) error {
	type counts struct {
		Tracked  map[string]map[string]int  `json:"tracked_alerts"`
		Cursors  map[string]json.RawMessage `json:"cursors"`
		Outboxes map[string]int             `json:"outbox_pending"`
		Dead     map[string]int             `json:"dead_letters"`
		// Undecodable are alert items GitHub listed that could not be
		// decoded, by cursor; each is tried again by the next polls.
		Undecodable map[string][]ghapi.ItemError `json:"undecodable_alerts,omitempty"`
		Size        int64                        `json:"file_bytes"`
		Schema      int                          `json:"schema_version"`
	}
	c := counts{Tracked: map[string]map[string]int{}, Cursors: map[string]json.RawMessage{}, Outboxes: map[string]int{}, Dead: map[string]int{}}
	err := db.View(func(tx *state.Tx) error {
		if err := tx.ForEachSnapshot("", "", func(k exporter.AlertKey, s exporter.Snapshot) error {
			m := c.Tracked[string(k.Source)]
			if m == nil {
				m = map[string]int{}
				c.Tracked[string(k.Source)] = m
			}
			m[s.State]++
			return nil
		}); err != nil {
			return err
		}
		if err := tx.ForEachCursor(func(name string, v []byte) error {
			if json.Valid(v) {
				c.Cursors[name] = append(json.RawMessage(nil), v...)
			}
			return nil
		}); err != nil {
			return err
		}
		var err error
		if c.Undecodable, err = ingest.Undecodable(tx); err != nil {
			return err
		}
		names := tx.Sinks()
		sort.Strings(names)
		for _, s := range names {
			var err error
			if c.Outboxes[s], err = tx.Pending(s); err != nil {
				return err
			}
			if c.Dead[s], err = tx.DeadCount(s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if c.Size, err = db.Size(); err != nil {
		return err
	}
	if c.Schema, err = db.SchemaVersion(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
