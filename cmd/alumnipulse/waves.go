package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

func wavesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "waves",
		Short: "Plan and send the survey waves (3 and 6 months after exit), with reminders",
		Long: `waves plans each tenant's survey waves on its Japanese business calendar and sends the invitations
and reminders that are due. serve runs the same pass every minute in the background; these commands
show the plan (dry run), run one pass by hand, and read or change a tenant's wave settings.`,
	}
	cmd.AddCommand(wavesPlanCmd(), wavesRunCmd(), wavesSettingsCmd())
	return cmd
}

// startWaves runs the wave scheduler in the background of serve (when ALUMNIPULSE_SCHEDULER is on)
// and returns a function that stops it and waits: sends in flight finish, queued ones are recorded as
// not sent and go out on the next pass.
func startWaves(ctx context.Context, a *app.App) (stop func()) {
	if !a.Cfg.Scheduler {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Waves.Serve(ctx, time.Minute)
	}()
	return func() {
		cancel()
		<-done
		_ = a.Waves.Close()
	}
}

// nowFlag is the hidden --now: plan and run as if it were that moment (rehearsals and tests).
type nowFlag struct{ t time.Time }

func (f *nowFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *nowFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("want RFC 3339, e.g. 2026-05-07T10:05:00+09:00: %w", err)
	}
	f.t = t
	return nil
}

func (f *nowFlag) Type() string { return "time" }

func (f *nowFlag) apply(a *app.App) {
	if !f.t.IsZero() {
		t := f.t
		a.Waves.SetNow(func() time.Time { return t })
	}
}

func wavesPlanCmd() *cobra.Command {
	var tenantID, only string
	var dryRun, summaryOnly bool
	var now nowFlag
	c := &cobra.Command{
		Use:   "plan --tenant T --dry-run",
		Short: "Show who would get what and when (alumnus id, wave, due time, late or skip reason), changing nothing",
		Long: `plan decides every (alumnus, wave) of a tenant as the next pass would, and prints one line each:
alumnus id, wave, action (send, remind, expire, later, skip, done), due time in the tenant's zone and the
reason (late catch-up, skip reason, …). Names and e-mail addresses are never printed. A summary per wave
follows: due now, later, skipped by reason. It writes nothing: it is always a dry run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dryRun {
				return errors.New("plan only reports (--dry-run); `alumnipulse waves run --once` sends")
			}
			actions := map[wave.Action]bool{}
			for _, a := range strings.Split(only, ",") {
				if a = strings.TrimSpace(a); a != "" {
					actions[wave.Action(a)] = true
				}
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			now.apply(a)
			t, err := a.Tenants.Get(cmd.Context(), tenantID)
			if err != nil {
				return err
			}
			st, err := wave.TenantSettings(t)
			if err != nil {
				return fmt.Errorf("tenant %s: %w", tenantID, err)
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
			defer out.Flush()
			var each func(wave.Decision)
			if !summaryOnly {
				fmt.Fprintln(out, "alumnus_id\twave\taction\tdue\tnote")
				each = func(d wave.Decision) {
					if len(actions) > 0 && !actions[d.Action] {
						return
					}
					due := "-"
					if !d.At.IsZero() {
						due = d.At.In(st.Location).Format("2006-01-02 15:04 MST")
					}
					note := d.Reason
					if d.Late {
						note = strings.TrimSpace("late catch-up " + note)
					}
					if d.Seq > 0 && (d.Action == wave.ActionRemind || d.Action == wave.ActionLater) {
						note = fmt.Sprintf("reminder %d", d.Seq)
					}
					fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", d.AlumnusID, d.Wave, d.Action, due, note)
				}
			}
			start := time.Now()
			sum, err := a.Waves.Plan(cmd.Context(), tenantID, each)
			if err != nil {
				return err
			}
			printSummary(out, sum, st)
			fmt.Fprintf(out, "planned in %s; nothing was written\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	c.Flags().BoolVar(&dryRun, "dry-run", true, "report only (plan never sends)")
	c.Flags().BoolVar(&summaryOnly, "summary-only", false, "print the summary, not one line per alumnus and wave")
	c.Flags().StringVar(&only, "only", "", "print only these actions, e.g. send,remind")
	c.Flags().Var(&now, "now", "plan as of this moment (RFC 3339)")
	_ = c.Flags().MarkHidden("now")
	_ = c.MarkFlagRequired("tenant")
	return c
}

func printSummary(w io.Writer, sum wave.Summary, st wave.Settings) {
	fmt.Fprintf(w, "\ntenant %s: %d alumni, as of %s (%s)\n", sum.Tenant, sum.Alumni,
		sum.Now.In(st.Location).Format("2006-01-02 15:04 MST"), sum.Zone)
	for _, wc := range sum.Waves {
		fmt.Fprintf(w, "wave %s: due now %d (late catch-up included: %d), reminders now %d, closing now %d, later %d\n",
			wc.Wave, wc.Send, wc.Late, wc.Remind, wc.Expire, wc.Later)
		if len(wc.Skipped) > 0 {
			fmt.Fprintf(w, "  skipped: %s\n", counts(wc.Skipped))
		}
		if len(wc.Done) > 0 {
			fmt.Fprintf(w, "  done: %s\n", counts(wc.Done))
		}
	}
	if len(sum.Upcoming) > 0 {
		fmt.Fprintf(w, "due in the next %d days (local dates):\n", wave.UpcomingDays)
		for _, u := range sum.Upcoming {
			fmt.Fprintf(w, "  %s %s: %d invitations, %d reminders\n", u.Date, u.Wave, u.Invitations, u.Reminders)
		}
	}
}

// counts formats a reason → count map, largest first.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func wavesRunCmd() *cobra.Command {
	var tenantID string
	var once, quiet bool
	var leaseTTL, wait, interval time.Duration
	var now nowFlag
	c := &cobra.Command{
		Use:   "run --once [--tenant T]",
		Short: "Send the due invitations and reminders (one pass with --once), as serve does every minute",
		Long: `run takes the scheduler lease (one scheduler at a time per database), then runs a pass: it resolves
sends that a crash left unfinished, records waves that closed, and sends what is due, within each
tenant's hourly cap. Without --once it repeats every --interval until interrupted.

Delivery is at most once: a crash never makes a second copy; it may leave a send of unknown outcome,
which is reported and never retried automatically (see docs/waves.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(ctx); err != nil {
				return err
			}
			defer a.Waves.Close()
			now.apply(a)
			if !once {
				a.Waves.Serve(ctx, interval)
				return nil
			}
			lease := a.Waves.NewLease()
			lease.TTL = leaseTTL
			lctx, cancel := context.WithCancel(ctx)
			kept := make(chan struct{})
			go func() { lease.Keep(lctx); close(kept) }()
			defer func() { cancel(); <-kept }()
			wctx, wcancel := context.WithTimeout(ctx, max(wait, 3*lease.Settle))
			held := lease.WaitHeld(wctx)
			wcancel()
			if !held {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return exitError{code: 3, msg: "another scheduler holds the lease (a running serve?); try later or pass --wait"}
			}
			var bar *progressbar.ProgressBar
			var barTenant string
			progress := func(tenant string, done, total int) {
				if quiet || total < 50 {
					return
				}
				if bar == nil || barTenant != tenant {
					if bar != nil {
						_ = bar.Finish()
					}
					barTenant = tenant
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
						progressbar.OptionSetDescription("sending "+tenant), progressbar.OptionShowCount(),
						progressbar.OptionShowIts(), progressbar.OptionThrottle(100*time.Millisecond),
						progressbar.OptionClearOnFinish())
				}
				_ = bar.Set(done)
			}
			start := time.Now()
			rep, err := a.Waves.Pass(ctx, wave.PassOptions{Tenant: tenantID, Lease: lease, Progress: progress})
			if bar != nil {
				_ = bar.Finish()
			}
			out := cmd.OutOrStdout()
			paused := false
			for _, t := range rep.Tenants {
				fmt.Fprintf(out, "tenant %s: %d sent, %d reminded, %d bounced, %d failed (retried later), %d not sent (retried), "+
					"%d closed, %d held by the hourly cap, %d no longer sendable\n",
					t.Tenant, t.Sent, t.Reminded, t.Bounced, t.Failed, t.NotSent, t.Expired, t.Held, t.Dropped)
				if n := t.RecoveredSent + t.RecoveredNotSent + t.OutcomeUnknown; n > 0 {
					fmt.Fprintf(out, "  after a restart: %d found in the outbox, %d not sent (retried), %d of unknown outcome (not retried)\n",
						t.RecoveredSent, t.RecoveredNotSent, t.OutcomeUnknown)
				}
				if t.Paused != "" {
					paused = true
					fmt.Fprintf(out, "  paused: %s\n", t.Paused)
				}
			}
			fmt.Fprintf(out, "pass took %s\n", time.Since(start).Round(time.Millisecond))
			if err != nil {
				return err
			}
			if paused {
				return exitError{code: 2, msg: "sending paused for some tenants"}
			}
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "only this tenant (default: every tenant)")
	c.Flags().BoolVar(&once, "once", false, "run one pass and exit")
	c.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	c.Flags().DurationVar(&leaseTTL, "lease", 30*time.Second, "scheduler lease TTL: how long others wait for a silent holder")
	c.Flags().DurationVar(&wait, "wait", 0, "how long to wait for another scheduler's lease")
	c.Flags().DurationVar(&interval, "interval", time.Minute, "time between passes without --once")
	c.Flags().Var(&now, "now", "run as of this moment (RFC 3339); events are stamped with it")
	_ = c.Flags().MarkHidden("now")
	return c
}

func wavesSettingsCmd() *cobra.Command {
	var tenantID, set string
	c := &cobra.Command{
		Use:   "settings --tenant T [--set FILE|-]",
		Short: "Print a tenant's effective wave settings, or validate and store new ones (JSON)",
		Long: `settings prints the tenant's wave settings with the defaults filled in. With --set it reads JSON (a
file, or - for stdin) with any of: waves [{name, offset_months, survey}], send_hour, time_zone,
reminder_every_days, max_reminders, close_after_days, window_days, blackout ["YYYY-MM-DD"],
max_per_hour (0: no cap). Missing keys keep their defaults; every invalid field is reported at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			t, err := a.Tenants.Get(cmd.Context(), tenantID)
			if err != nil {
				return err
			}
			if set != "" {
				var raw []byte
				if set == "-" {
					raw, err = io.ReadAll(cmd.InOrStdin())
				} else {
					raw, err = os.ReadFile(set)
				}
				if err != nil {
					return err
				}
				if _, err := wave.ParseSettings(raw, t.Location()); err != nil {
					return fmt.Errorf("%s: %w", set, err)
				}
				var compact bytes.Buffer
				if err := json.Compact(&compact, raw); err != nil {
					return err
				}
				t.Settings.Waves = compact.Bytes()
				if err := a.Tenants.Put(cmd.Context(), t); err != nil {
					return err
				}
			}
			st, err := wave.TenantSettings(t)
			if err != nil {
				return fmt.Errorf("tenant %s: stored settings: %w", tenantID, err)
			}
			b, err := json.MarshalIndent(st, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	c.Flags().StringVar(&set, "set", "", "store the settings in this JSON file (- for stdin)")
	_ = c.MarkFlagRequired("tenant")
	return c
}
