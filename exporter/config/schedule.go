package config

import "github.com/robfig/cron/v3"

// CronParser reads every cron schedule of the config, the exporter's jobs and
// a sink's (an email digest) alike: five fields (minute, hour, day of month,
// month, day of week) or a descriptor such as "@daily" or "@every 5m". The
// daemon schedules with it, so what validates is what runs.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
