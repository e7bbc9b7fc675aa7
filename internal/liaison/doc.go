// Package liaison is mechanism 1's leader liaison (市领导联系民营企业和商会, product.md §1b)
// and its roundtables and suggestions (政企恳谈、意见建议, §1c): city leaders' profiles and
// their links to enterprises and chambers (with dates and a liaison officer, 联络员, who
// acts for the leader), visits and research trips (调研走访) with their photos, roundtables
// (政企恳谈会) with their host departments and participants, the leader's desk, the monthly
// summary, the enterprise file's "联系领导与走访" section and the suggestion statistics.
//
// Nothing an entrepreneur tells a leader is lost: every problem raised on a visit or at a
// roundtable becomes an appeal of the closed loop (package appeal) in the transaction that
// records the meeting — the enterprise taken from the meeting, the contact from the
// directory. A visit's problems are filed with channel leader visit and supervised (督办,
// level 1) by the leader from the start (appeal.NewAppeal.SupervisingLeaderID, which Create
// writes in its own insert), and wait in the operators' 待受理 queue; a roundtable's issues
// (appeals or suggestions, kind 建议) are filed with channel roundtable, accepted and
// dispatched to the department named for each, and followed until answered. A mistake in
// any problem refuses the whole meeting with field errors named problems[i].field.
//
// # Wiring
//
// The Service implements appeal.LeaderLinks (LeadersFor: the leaders with an active link
// to an enterprise and the liaison officers who act for them) and appeal.LeaderDelegates
// (ActsFor: an officer of any of the leader's active links); internal/app plugs it in with
// appeal.Service.SetLeaderLinks. So a leader sees the appeals of their enterprises,
// escalating a difficult case (疑难件) without naming leaders reaches the linked leaders'
// desks, and an officer files and follows problems for the leader.
//
// # Access
//
// See access.go: administrators and operators see everything and manage links; a leader
// (and their officers) their own links, visits and desk; a department the visits it came
// along on and the roundtables it hosted; an enterprise or chamber itself only; analysts
// the suggestion statistics. Outside the scope everything is apperr.NotFound. The appeals
// keep the appeal loop's scope: who sees a meeting reads its problems' titles and states,
// and opens an appeal only when the appeal service lets them.
//
// # Schema (migration 00007_liaison)
//
//	liaison_leaders          a leader's profile: user (role leader), person, title, order
//	liaison_links            leader ↔ enterprise/chamber, since_on/until_on ('' = active;
//	                         unique partial index: one active link per pair), officer
//	liaison_visits           leader, kind (visit 走访 / research 调研), date, summary
//	liaison_visit_orgs       the enterprises and chambers visited (index by org)
//	liaison_visit_depts      the departments that came along (index by org)
//	liaison_visit_files      photos and documents, bytes in the database, type sniffed
//	liaison_roundtables      title, date, location, topics, summary
//	liaison_roundtable_orgs  hosts (departments) and participants (enterprises, chambers)
//	liaison_problems         a problem of a visit or roundtable → its appeal (unique)
//
// and two indexes on appeals for the queries of this part: appeals_enterprise_open (open
// appeals by enterprise and deadline: the desk) and appeals_kind_created (suggestions by
// period: the statistics).
package liaison
