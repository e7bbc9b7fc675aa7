// Package stats is the statistics of the appeal loop (product.md §1a "Assessment (三率)"
// and "Hot spots"): the 三率 assessment and ranking of departments, the hot spots of
// intake, and the common-problem detector that raises proactive tasks (未诉先办).
// docs/statistics.md is the same text for users and integrators.
//
// # What counts in a period
//
// A period is a range of Asia/Shanghai days, both ends included (month, quarter, year, or
// any range up to MaxPeriodDays). Each figure counts the rows whose own instant falls in
// the period, for the department (org) that row belongs to:
//
//	dispatched        parts (appeal_assignments, lead and co-handler) by dispatched_at,
//	                  leaving out parts withdrawn by an approved return (return_approved)
//	claimed_on_time   of those, claimed_on_time = TRUE
//	answered          lead parts answered (state 'answered') by answered_at
//	answered_on_time  of those, answered_on_time = TRUE
//	handling_ms       of those, the sum of handle_working_ms (working time, return pauses excluded)
//	redone            of those, redone = TRUE (sent back by a reopen, 重办)
//	called_back       callbacks (appeal_callbacks) by at, for the round's lead (lead_org_id)
//	solved            of those, solved = TRUE
//	satisfied         of those, satisfaction 满意 or 基本满意
//
// and the rates are
//
//	response rate (响应率)          claimed_on_time / dispatched
//	resolution rate (解决率)        solved / called_back
//	satisfaction rate (满意率)      satisfied / called_back
//	on-time completion (按时办结率)  answered_on_time / answered
//	average handling time          handling_ms / answered / the office day (7 h) = working days
//	composite (综合得分)            Σ weight × rate × 100 / Σ weight over the three rates
//	                               (30/35/35 by default; a rate without a denominator
//	                               leaves its weight to the others)
//
// A part dispatched but not yet claimed counts in the response rate's denominator, so a
// period that includes today is provisional. Departments are ranked by the composite
// rounded to one decimal (equal scores share a rank: 1, 2, 2, 4), then by parts
// dispatched and name. Departments (every government organisation, and any other
// handler with figures) with nothing dispatched, answered or called back in the period
// are listed apart and not ranked.
//
// # The roll-up
//
// Aggregating millions of rows per request cannot answer in 100 ms, so two roll-ups hold
// the counters per Shanghai day: stats_dept_day (day × department × kind, the counters
// above) and stats_intake_day (day × category × district × kind: appeals filed, by
// created_at); a third, stats_dept_month, sums the department days per calendar month
// (keyed by the month's first day), so the ranking reads the whole months of a period
// there and only the days outside them from stats_dept_day. A day is a Shanghai day
// number, (unix ms + 8 h) / 86,400,000, the same integer on both engines. A year's
// ranking sums 12 × departments × 4 month rows, whatever the number of appeals.
//
// The job JobRollup (every minute; CatchUp) keeps them exact. It consumes appeal_events
// past the watermark (stats_watermark): for a batch of events, in one transaction, it
// finds the appeals they touch, the department days of those appeals' parts (dispatch
// day, answer day) and callbacks and the category day of appeals filed, recomputes each
// of those cells from the raw rows (the same definition as above), sums the months of
// the department days it recomputed again from their days, and moves the
// watermark in the same transaction. A cell's keys never change once set (org, kind and
// instants are written once), so recomputing the cells an appeal touches is enough, and
// recomputing is idempotent: running twice, or in several processes at once, gives the
// same rows. The watermark row is locked for the transaction (FOR UPDATE on PostgreSQL;
// SQLite has one writer). Events commit out of id order on PostgreSQL, so a run only
// reads up to the horizon: the highest event id taken while holding SHARE on
// appeal_events, which waits for every transaction still inserting events (see horizon).
// RebuildRollup recomputes everything from the raw rows in one transaction (after a bulk
// import that wrote rows without events); CatchUp does it by itself when more than
// 500,000 events wait. The appeal package is not touched: the roll-up reads its tables
// only, through the indexes appeal_assignments_stats, appeal_callbacks_stats,
// appeals_category_created and stats_assignments_answered (ours, migration 00009).
//
// Every transaction that writes the roll-ups adds one to stats_watermark.version
// (migration 00019). The ranking and the hot spots keep their sums per period and kind
// with the version they were read at and reuse them while the version stays
// (rollupcache.go): the same answer, read once per roll-up write instead of at every view
// (2.7 → 0.19 ms a year's ranking, BenchmarkYearRanking; a year's hot spots at a million
// appeals 297–365 → 5–10 ms). TestRankingFollowsRollup checks that both after a roll-up
// write equal the direct computation, and that 16 rankings arriving together at a new
// version read the sums once.
//
// TestRollupEqualsDirect checks on both engines that the report equals the direct
// computation over the raw rows for random periods and kinds, after a history, after
// further moves on the same appeals, after a rebuild and after replaying every event.
//
// # Hot spots
//
// Hotspots reads stats_intake_day: top-level categories × districts over the period,
// categories × weeks (Monday to Sunday, the whole weeks touching the period), surges (a
// category in a district with at least SurgeMin appeals in a week and SurgePercent growth
// over the week before, or new) and the ten categories raised most.
//
// # Common problems (共性问题) and proactive tasks (未诉先办)
//
// Detect (job JobDetect, hourly) reads the appeals filed in the last WindowDays days that
// belong to no task (merged, rejected and proactive appeals left out), and clusters them
// per category: an appeal joins the first cluster whose first appeal it resembles, else
// starts one. Similarity is the Jaccard index of character bigrams (internal/search has
// not landed; bigram.go is a small local version of the same analysis), 0.7 × titles +
// 0.3 × bodies (first 300 characters), at least Similarity percent (default 50). A
// cluster with at least MinEnterprises distinct enterprises (org, else credit code, else
// name; default 5 within 14 days) becomes an open task; later similar appeals join the
// open task instead. An operator dispatches a task (DispatchTask: one transaction files
// an appeal of channel proactive — the enterprise a snapshot naming the problem, the
// contact the operator — accepts it and dispatches it to the category's default
// department or the one chosen) or dismisses it with a note.
//
// # Access
//
// Assessment and hot spots: operators, administrators, analysts, leaders and departments
// (aggregates; a department's own row is marked). Department: a department user reads
// its own department only (another is NotFound). Proactive tasks: operators. Settings
// (weights, thresholds; row "stats.settings"): PermSettingsManage, audited.
package stats
