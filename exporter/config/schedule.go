package config

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronParser reads every cron schedule of the config, the exporter's jobs and
// a sink's (an email digest) alike: five fields (minute, hour, day of month,
// month, day of week) or a descriptor such as "@daily" or "@every 5m". The
// daemon schedules with it, so what validates is what runs.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ScheduleField checks the cron spec of config key path. Besides what the
// parser refuses, it refuses an "@every" interval that is not a whole
// number of seconds of at least 1s (the scheduler would silently run it
// every second) and a spec that never fires (February 30th).
func ScheduleField(path, spec string) error {
	rest := spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		_, after, ok := strings.Cut(spec, " ")
		if !ok {
			// robfig/cron v3 slices out of range on this and panics
			return Field(path, spec, "not a cron schedule: a TZ= or CRON_TZ= zone must be followed by a space and the schedule")
		}
		rest = strings.TrimSpace(after)
	}
	sched, err := CronParser.Parse(spec)
	if err != nil {
		return Field(path, spec, "not a cron schedule: %v", err)
	}
	if every, ok := strings.CutPrefix(rest, "@every "); ok {
		d, err := time.ParseDuration(every)
		if err != nil || d < time.Second || d%time.Second != 0 {
			return Field(path, spec, "@every needs a positive whole number of seconds, at least 1s")
		}
		return nil
	}
	if sched.Next(time.Now()).IsZero() {
		return Field(path, spec, "never fires")
	}
	return nil
}
