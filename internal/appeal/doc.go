// Package appeal is the enterprise appeal closed loop (诉求闭环, "12345-1 政企通",
// product.md §1a): intake, the moves of the loop, working-time clocks and their sweep,
// work queues, the dispatch catalogue, the operators' knowledge base, attachments, the
// public status query and the inputs of the 三率 assessment. The web UI, the JSON API and
// Open311, statistics and search are built on this package's Service; they never touch
// its tables.
//
// # Using the service
//
// Build one Service with New(Deps{DB, Audit, Notify, Calendar, Clock, …}) and register
// its sweep with RegisterJobs. Every method takes (ctx, auth.Actor) first and returns
// *apperr.Error values: NotFound outside the actor's scope (never Forbidden, so ids
// cannot be probed), Forbidden when the role may not do it at all, Conflict when the
// version is stale, ErrIllegalMove (key "appeal.illegal_move", args State and Action,
// plus StateKey/ActionKey naming their catalog labels) when the state does not allow
// the move, and ErrInvalid with field errors (catalog keys) for bad input. API tokens
// are limited by their scopes in area "appeals".
//
// Every move takes the appeal's Version and returns the appeal as the move left it (its
// Version one higher). A move checks, in this order: scope (NotFound), version
// (Conflict), the transition table (IllegalMove), the party (Forbidden), its input
// (Invalid); then, in ONE transaction, it updates the appeal with
// UPDATE … WHERE id = $ AND version = $ (0 rows → Conflict: of two people acting at once
// exactly one wins), writes its other rows, appends a timeline Event (actor, actor's
// organisation, time, action, from → to, note, structured data), records audit entry
// "appeal.<action>", passes news to appeals merged into it, feeds the search Indexer and
// writes the notifications.
//
// # States and moves
//
// Transitions is THE table; the moves are the methods Accept, Reject, Merge,
// DirectReply, Dispatch, Claim (ClaimPart for a co-handler), AnswerPart, Return,
// RuleReturn (approve_return, redispatch, refuse_return), RequestExtension,
// DecideExtension (approve_extension, refuse_extension), Reply, Callback
// (callback_satisfied, callback_unsatisfied), Reopen, Close, Supervise and Escalate.
// BY names the party: operator (every appeal), lead / co (a department holding the
// round's lead or an open co-handler part), enterprise (the appeal's own), leader
// (supervising it, escalated to, or linked to its enterprise). Actions lists the moves
// an actor may make on an appeal now (the buttons to show).
//
//	FROM                                                   ACTION                TO                   BY                    CHECKS
//	submitted                                              accept                accepted             operator
//	submitted                                              reject                rejected             operator              reason required
//	submitted                                              merge                 merged               operator              into an earlier, open appeal
//	submitted, accepted                                    direct_reply          replied              operator              knowledge-base article or answer text; callback clock starts
//	accepted                                               dispatch              dispatched           operator              lead department, distinct co-handlers (at most 5); claim and handle clocks start
//	dispatched                                             claim                 in_progress          lead                  the lead part is dispatched
//	dispatched, in_progress                                return                returned             lead                  reason required; clocks pause
//	dispatched, in_progress, returned, extension_requested co_claim              (same)               co                    the co part is dispatched
//	dispatched, in_progress, returned, extension_requested co_answer             (same)               co                    the co part is claimed; answer text
//	returned                                               approve_return        accepted             operator              open parts closed; clocks stop
//	returned                                               redispatch            dispatched           operator              open parts closed; a new lead other than the returning one; clocks restart
//	returned                                               refuse_return         (return_from)        operator              note required; clocks resume, deadlines move by the paused working time
//	in_progress                                            request_extension     extension_requested  lead                  days 1…MaxExtensionDays, reason required
//	extension_requested                                    approve_extension     in_progress          operator              handle deadline moves by N working days
//	extension_requested                                    refuse_extension      in_progress          operator              note required; deadline kept
//	in_progress                                            reply                 replied              lead                  outcome and text; open co parts closed; callback clock starts
//	replied                                                callback_satisfied    closed               operator, enterprise  满意 or 基本满意; solved yes/no
//	replied                                                callback_unsatisfied  replied              operator, enterprise  不满意; solved yes/no
//	replied                                                reopen                dispatched           operator              latest callback unsatisfied; new dispatch; redo count + 1
//	replied                                                close                 closed               operator              note required
//	every open state                                       supervise             (same)               operator, leader      level 0 (lift) to 3; note
//	every open state                                       escalate              (same)               operator              leaders linked to the enterprise, or named
//
// (return_from) is the state the department returned it from; (same) keeps the state.
// rejected, merged and closed are final. Supervision (督办, levels 1 督办, 2 重点督办,
// 3 挂牌督办, 0 lifts it) is a flag, not a state. Dispatch rounds: each dispatch (and each
// reopen, 重办) starts a round with one part (appeal_assignments row) per department:
// the lead (主办) and up to MaxCoHandlers co-handlers (协办), each signing for (签收) and
// answering its part; the lead's reply closes the co parts still open. A merged appeal
// (合并, into an earlier open one) follows its original: every state change of the
// original adds a public step to the duplicate's timeline (with the reply, once there is
// one) and its enterprise is told at the reply, closure or rejection.
//
// # Clocks
//
// Three limits run in working time on the statutory calendar (package calendar): claim
// (签收: from the dispatch until the lead signs for it), handle (办理: from the dispatch
// until the reply) and callback (回访: from the reply until the first callback after it).
// Defaults (DefaultSettings): claim 1 working day (urgent 2 working hours), handle 5
// working days (urgent 1, consultation 2), callback 2 working days. The limits of an
// appeal resolve Default → Kinds[kind] → category (parent, then child) → Urgent; they
// live in the settings row "appeal.settings" (UpdateSettings, administrators) and in each
// category (UpdateCategory). A return pauses the claim (if unclaimed) and handle clocks
// (calendar.Pause); a refused return resumes them and every deadline moves later by
// exactly the working time the return waited (calendar.Resume). An approved extension
// moves the handle deadline by N working days (N × the office day of working time).
//
// The appeal's colour (sla_level) is the worst of its running clocks: green, yellow
// from 80% of the working time (calendar.WarnAt), red once overdue; sla_clock and sla_due
// name the clock whose deadline comes first; next_alert_at is when the colour can next
// change. The sweep (Sweep; job JobSweep every minute through RegisterJobs) reads the
// appeals whose next_alert_at has come, alerts each running clock that reached yellow or
// red, and sets the next threshold (the 80% point, then the first millisecond after the
// due time, then none). An alert is a row of appeal_alerts keyed (appeal, clock, level,
// due), inserted with ON CONFLICT DO NOTHING in the transaction that notifies: however
// many processes sweep, and however often, each alert goes out once; a deadline that moves
// can alert again. A move on an appeal that is already yellow or red sets next_alert_at to
// now, so an alert it cannot know about is never lost. Warnings go to the lead department
// (claim, handle) or the operators (callback); overdue alerts also reach the operators
// and, for the handle clock, the supervising leaders.
//
// # Notifications
//
// Every notification goes through one function, notifyAll, inside the transaction of its
// cause, as notify.Emit events: one per group of recipients — a department's users
// holding role department, the operators (role operator of the federation), the
// enterprise's users (role enterprise), the users of the chamber that filed it, single
// users (leaders). Each recipient gets an in-app message (Title = catalog key
// "appeal.notify.<what>", Body = JSON args with Number and Title, Link = "/appeals/<number>",
// the page the web UI serves) and an email if they asked for it; webhook subscribers
// (scoped to one of the group's organisations, or to none) get type "appeal.<what>" with
// data {appeal_id, number, state, args}. <what> is one of: created, accepted, rejected,
// merged, dispatched (enterprise), dispatched_lead, dispatched_co, co_answered, returned,
// return_refused, return_approved, extension_requested, extension_approved,
// extension_refused, replied, to_callback, callback_satisfied, callback_basically,
// callback_unsatisfied, unsatisfied, reopened, closed, supervised, supervised_by_leader,
// escalated, original_replied, original_closed, original_rejected, and the alerts
// claim_warning, claim_overdue, handle_warning, handle_overdue, callback_warning,
// callback_overdue. Event keys name the cause (the appeal and the version its move
// produced; an alert's appeal, clock, level and deadline) plus the group, so an emit
// that is repeated is delivered once.
//
// # Access
//
// Operators and the system see every appeal; a department those with a part of its
// organisation (any round; another department's appeal is NotFound); an enterprise its
// own; a chamber those it filed on its members' behalf (membership alone does not open a
// member's appeals: an enterprise may complain about a fellow member); a leader those it
// supervises, that were escalated to it, or — through LeaderLinks — of an enterprise
// linked to it; analysts none (aggregates only, from package stats). The same rules are
// written in SQL by the queues. A confidential appeal (保密) hides the enterprise, its
// contact and the enterprise side's names from departments and leaders. The enterprise's
// side sees public timeline steps only, without staff names. Get records "appeal.read"
// in the audit log when it returns a contact's phone number; lists carry masked numbers.
//
// # Queues and their indexes
//
// List(ctx, a, queue, Filter) returns a Page (Items, NextCursor, Total, TotalCapped);
// Counts gives every queue's size for badges; QueuesFor names the actor's queues. Paging
// is by keyset (an opaque cursor), so a deep page costs what the first does; counts stop
// at CountCap ("10,000+"), those of the history queues (all, dept_answered) at
// HistoryCountCap ("1,000+"), and a count is kept until this process commits a write
// (2 s at most, for other processes' writes: countCache). Filters: kind, category (with its children), district,
// priority, state, title text or exact number, filing dates, supervised, level, and a
// department that had a part in it (Dept, the assessment's drill-down) — applied on top
// of the queue's index (free text over bodies is the search engine's). Sort orders:
// created (newest first, by id), due (earliest deadline first), updated (latest move
// first). TestQueuesUseIndexes checks every queue, sort and filter against the plans of
// both engines.
//
//	QUEUE (role)                         READS                                     SORTS
//	submitted … replied (operator)       appeals_state_id/_due/_updated            created, due, updated
//	yellow, red (operator)               appeals_level, appeals_level_id (partial) all, in index order
//	supervised (operator)                appeals_supervised (partial: level > 0)   all
//	all (operator)                       primary key; with State the state indexes created (any with State)
//	dept_to_claim, dept_handling         appeal_assignments_queue (org, state)     created
//	                                     appeal_assignments_open_due (partial)     due (the part's copy of sla_due)
//	dept_yellow, dept_red                appeal_assignments_queue + appeals        all
//	dept_answered                        appeal_assignments_done (partial: done)   created
//	mine (enterprise / chamber)          appeals_enterprise / appeals_chamber      all
//	leader                               appeal_leaders_user                       all
//
// (A leader's queue lists what it supervises or was escalated to; appeals of enterprises
// linked to it open through Get, and join the queue once the liaison part can name a
// leader's enterprises.)
//
// Other indexes: appeals_next_alert (partial, the sweep), appeals_merged_into (news for
// duplicates), appeals_kb_article (unlinking a deleted article), appeal_assignments_appeal
// (a move finds an appeal's parts by (appeal, org), never by walking a department's),
// appeals_created / _category_created / _district_created (periods and hot spots:
// category × district × week), appeals_lead_replied, appeal_assignments_stats and
// appeal_callbacks_stats (三率 per department and period), appeal_events_appeal and the
// other per-appeal indexes.
//
// # Schema
//
//	appeals             one row per appeal: number (ZQ + Shanghai date + 6-digit daily
//	                    sequence, from the counters table; see Intake),
//	                    query_code, kind, channel, category, district, priority,
//	                    confidential, title, body, location, enterprise (org id and a
//	                    name/credit-code snapshot), contact, who filed (user, org, chamber),
//	                    state, return_from, round, lead_org_id, merged_into_id,
//	                    kb_article_id, the reply (outcome, text), the latest callback
//	                    (satisfaction, solved), redo_count, supervision_level, escalated,
//	                    the clocks (claim_due, handle_start/_due, pauses, callback_due),
//	                    sla_level/_clock/_due, next_alert_at, handled_on_time,
//	                    handle_working_ms, the instants of each stage, version
//	appeal_assignments  one part per department per round: role lead/co, state
//	                    dispatched/claimed/returned/answered/closed, dispatched_at,
//	                    claim_due, claimed_at, claimed_on_time, handle_due, answered_at,
//	                    answered_on_time, answer, outcome, handle_working_ms, return
//	                    (returned_at, reason, approved), redone, done (listed in 已答复)
//	appeal_events       the timeline (public steps marked)
//	appeal_callbacks    every callback: round, lead_org_id, satisfaction, solved, via
//	                    (phone/self), on_time
//	appeal_extensions   requests and decisions (days, reason, old/new due)
//	appeal_leaders      leaders supervising (supervise) or escalated to (escalate)
//	appeal_alerts       sent SLA alerts, the sweep's exactly-once keys
//	appeal_categories   the catalogue: code, names, parent, default department, limits
//	kb_articles         the knowledge base: category, title, answer, use count
//	appeal_attachments  files, bytes in the database (BLOB/BYTEA), sha256, sniffed type
//
// # 三率 inputs
//
// The statistics read these columns with indexed aggregates per department (org) and
// period (a range of the instant named):
//
//	response rate (响应率)      parts a: COUNT(claimed_on_time = TRUE) / COUNT(*) over
//	                            appeal_assignments by (org_id, dispatched_at), leaving out
//	                            parts withdrawn by an approved return (return_approved)
//	resolution rate (解决率)    callbacks c: COUNT(solved) / COUNT(*) over appeal_callbacks
//	                            by (lead_org_id, at) — each department judged on its round
//	satisfaction rate (满意率)  callbacks: COUNT(satisfaction IN ('satisfied','basically'))
//	                            / COUNT(*), same rows
//	on-time completion (按时办结率) lead parts: COUNT(answered_on_time = TRUE) / COUNT(answered)
//	                            over appeal_assignments (role = 'lead', state = 'answered')
//	average handling time       lead parts: AVG(handle_working_ms) / the office day (7 h by
//	                            default, calendar.OfficeHours().DayLength()) = working days,
//	                            pauses of returns excluded
//	redo count (重办)            lead parts: COUNT(redone = TRUE); per appeal, redo_count
//	callback on time            appeal_callbacks.on_time
//
// Per appeal the final figures are on appeals (replied_at, handled_on_time,
// handle_working_ms, satisfaction, solved, redo_count, closed_at; lead_org_id with index
// appeals_lead_replied).
//
// # Intake and the public query
//
// Create files an appeal for an operator (hotline and others: enterprise by org id or a
// typed snapshot), an enterprise user (portal: its own, contact from its user), a chamber
// (on behalf of a member) or a leader (visit: supervised by them); API and Open311 callers
// act through their token's user, with channel api or open311. The number is taken from
// the counters row of the Shanghai day by one atomic increment: on SQLite inside the
// writing transaction (one writer anyway); on PostgreSQL just before it, committed at
// once like a sequence, so that the row is not locked for the whole transaction and
// intakes of every process run side by side (inside an outer transaction, such as a visit
// filing its problems, it is taken in that transaction). Numbers are unique across
// processes; an intake that fails after taking its number leaves a gap. A 6-character
// query code from an alphabet without 0/O/1/I/L lets anyone holding number and code call PublicStatus:
// state, kind, category, dates, deadlines and public steps — no names, no text, no phone.
// The code is compared in constant time. PublicStatusLimited is the same query limited to
// StatusTries lookups per client address per StatusWindow, counted in the database
// (login_throttle, key "status:<address>") so that every process counts the same: the
// public page and the API call it with the caller's address.
//
// # What the web interface adds
//
// web_support.go holds what the pages need beyond moves and queues: IDByNumber (a number
// resolved within the actor's scope, unaudited), CountQueues (a few queues' sizes for the
// navigation), EnterpriseAppeals (an enterprise's appeals as its viewer may see them, for
// its file), LeaderChoices (the leaders an operator may escalate to), CheckAttachment (the
// attachment checks before anything is filed) and InlineType (which files open in the page).
//
// # Hooks
//
// Indexer (search) and LeaderLinks (liaison) default to no-ops; SetIndexer and
// SetLeaderLinks plug the real ones in at wiring time. Indexer.PutAppeal runs inside the
// creating and the replying transaction.
//
// # History and performance
//
// GenerateHistory writes a realistic history through the same moves (demo city:
// internal/app.LoadDemoAppeals; benchmarks). On SQLite the statements of the moves are
// prepared once and reused in each transaction (parsing was half of a move's cost).
//
// Measured with go test ./internal/appeal -run XXX -bench . (2 vCPU AMD EPYC, shared,
// load average about 4; YINGSHANG_TEST_POSTGRES for the PostgreSQL 15 figures):
//
//	Create, SQLite, one transaction each            ~1,100 appeals/s
//	Claim + Reply, SQLite                           ~1,200 moves/s
//	GenerateHistory, SQLite (≈6 moves per appeal)   ~450 appeals/s: 1M in about 40 min
//	GenerateHistory, PostgreSQL                     ~120 appeals/s
//	a queue page at 100,000 appeals, SQLite         1–2 ms (with its capped count)
//	a queue page at 100,000 appeals, PostgreSQL     6–8 ms (EXPLAIN ANALYZE: the page
//	                                                query 0.1–0.2 ms, a 10,000-capped count ~1.5 ms)
//
// A quarter of a move's time is the audit entry (three statements that package audit
// parses each time).
package appeal
