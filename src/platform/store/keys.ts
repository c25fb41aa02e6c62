import type { ThreadKey } from '../../turn/thread.js';

/**
 * Hash tags: in a Redis Cluster only the part between the first `{` and `}` picks a key's slot, and a MULTI or a Lua
 * script may only touch keys of one slot. Keys used together carry the same tag: per thread (its history, files,
 * line and lock), per person (app context, threads index), per workspace (usage, see below), and one each for the
 * feedback pair and BullMQ. Key prefixes hold no braces (the settings refuse them), so the tag is always ours.
 * test/unit/platform/store/key-slots.test.ts checks every template here.
 */
const threadTag = (k: ThreadKey) => `{t:${k.teamId}:${k.channel}:${k.threadTs}}`;
const userTag = (team: string, user: string) => `{u:${team}:${user}}`;

/** Every key name in one place, so prefixes and layouts cannot drift between stores. */
export function storeKeys(prefix: string) {
  return {
    thread: (k: ThreadKey) => `${prefix}thread:${threadTag(k)}`,
    /** Hash: attachment id → file bytes (downscaled images, PDFs) of one thread. */
    threadFiles: (k: ThreadKey) => `${prefix}files:${threadTag(k)}`,
    /** List: attachment ids of one thread, oldest first, to forget the oldest beyond the per-thread bound. */
    threadFileOrder: (k: ThreadKey) => `${prefix}files-order:${threadTag(k)}`,
    dedupe: (id: string) => `${prefix}dedupe:${id}`,
    /** Set when the bot accepts a question in a thread: follow-ups there are for it from then on. */
    participation: (k: ThreadKey) => `${prefix}joined:${threadTag(k)}`,
    // Usage keys of one workspace share the {team} hash tag, so one Lua script may touch them all in a cluster.
    // `userKey` is a hash of the person (features/usage/user-key.ts), never the Slack id: the counters outlive forget-me.
    usageUserDay: (team: string, userKey: string, day: string) => `${prefix}usage:{${team}}:user:${userKey}:day:${day}`,
    usageUserMonth: (team: string, userKey: string, month: string) =>
      `${prefix}usage:{${team}}:user:${userKey}:month:${month}`,
    usageWorkspaceMonth: (team: string, month: string) => `${prefix}usage:{${team}}:ws:month:${month}`,
    /** Sorted set of Slack user ids by tokens (the admins' top users): the one usage key naming people. */
    usageTopMonth: (team: string, month: string) => `${prefix}usage:{${team}}:top:month:${month}`,
    holdsUserDay: (team: string, userKey: string, day: string) =>
      `${prefix}usage:{${team}}:holds:user:${userKey}:day:${day}`,
    holdsWorkspaceMonth: (team: string, month: string) => `${prefix}usage:{${team}}:holds:ws:month:${month}`,
    approval: (id: string) => `${prefix}approval:${id}`,
    /** MCP sign-ins: `token:<server>:<team>:<user>` (sealed), `flow:<state>` (an OAuth flow), `client:<server>`. */
    mcpSignIn: (id: string) => `${prefix}mcp-signin:${id}`,
    /** "sending" or "sent": admins of a workspace were told about a problem within the last hour. */
    adminAlert: (team: string, problem: string) => `${prefix}admin-alert:${team}:${problem}`,
    /** Slack messages a turn's reply opened, so a retry after a crash can take them over. */
    turnReplies: (turnId: string) => `${prefix}turn:${turnId}:replies`,
    /** Pub/sub channel: "Stop" pressed on a thread (agent_session_stopped), heard by whichever replica runs its turn. */
    turnStops: `${prefix}turn-stops`,
    /** Sorted set: job ids of a thread's turns by message time (the first runs next). */
    threadQueue: (k: ThreadKey) => `${prefix}tline:${threadTag(k)}`,
    /** Hash: when each job of a thread's line took its place (epoch ms, Redis's clock); scripted with the line. */
    threadPlaced: (k: ThreadKey) => `${prefix}tplaced:${threadTag(k)}`,
    /** Held by the replica running a thread's turn. */
    threadLock: (k: ThreadKey) => `${prefix}tlock:${threadTag(k)}`,
    /**
     * Hash: job id → the turn's job (JSON) until the turn is over: its recovery record. Written with the job's place
     * in line before Slack's ack; a replica that dies mid-turn leaves it for another to take over.
     */
    turnRecords: (k: ThreadKey) => `${prefix}trec:${threadTag(k)}`,
    /**
     * A message's claim (one turn across Slack's retries and its app_mention + message double), under the thread's
     * tag so the accept script writes it with the line and the record in one step.
     */
    messageClaim: (k: ThreadKey, messageId: string) => `${prefix}dedupe:${threadTag(k)}:${messageId}`,
    /** Sorted set: unfinished recovery records ("[team,channel,thread,job]") by when their lease runs out (Redis ms). */
    turnLeases: `${prefix}{turn-leases}`,
    /** A workspace's (or an org-wide) OAuth installation. */
    installation: (kind: 'team' | 'enterprise', id: string) => `${prefix}install:${kind}:${id}`,
    /** Until when a Slack method is rate limited in a workspace (shared by every replica). */
    slackLimit: (teamId: string, method: string) => `${prefix}slack-limit:${teamId}:${method}`,
    /** Counter: Real-time Search calls a workspace made in one minute (Slack allows about 10), across replicas. */
    slackSearchBudget: (teamId: string, minute: number) => `${prefix}slack-search-budget:${teamId}:${minute}`,
    /**
     * Questions the sources could not answer (the weekly gaps digest): a hash of entries by "<channel> <threadTs>"
     * and a sorted set of the same ids by time, under one tag so a script may touch both.
     */
    gapItems: `${prefix}{gaps}:items`,
    gapsByTime: `${prefix}{gaps}:by-time`,
    /** BullMQ queue of the weekly gaps digest (its preparation and the checks on its Batch). */
    gapsDigestQueue: 'gaps-digest',
    /** Which key layout this Redis holds (platform/store/migrate-keys.ts renames the older one once). */
    keyLayout: `${prefix}key-layout`,
    /** BullMQ's own prefix (it appends ":<queue>:…"); its scripts touch many keys of a queue, so one tag for all. */
    bull: `${prefix}{bull}`,
    /** Feedback votes: a hash of records by vote id, and a sorted set of vote ids by time. */
    feedbackItems: `${prefix}{feedback}:items`,
    feedbackByTime: `${prefix}{feedback}:by-time`,
    /** What a person was viewing in Slack (app_context_changed), for their next DM question. */
    appContext: (team: string, user: string) => `${prefix}app-context:${userTag(team, user)}`,
    /** Stream: the audit trail, one entry per action on someone's behalf (trimmed to audit.retention_days). */
    audit: `${prefix}audit`,
    /** Hash: channel id → the admins' per-channel overrides of the settings file (JSON, with who set them when). */
    channelOverrides: `${prefix}channel-overrides`,
    /** Hash: approved answer id → the answer an editor saved (question, answer, permalink, who, when), as JSON. */
    approvedAnswers: `${prefix}approved-answers`,
    /**
     * Hash of one knowledge document's embeddings: chunk key (a hash of the embedding model and the chunk's text) →
     * its vector as little-endian float32s, so a restart re-embeds only what changed.
     */
    knowledgeVectors: (source: string, documentHash: string) => `${prefix}kvec:${source}:${documentHash}`,
    // The knowledge documents every replica indexes: a source's documents, versions and generation change in one
    // MULTI, so they share the {kdocs} tag (one slot; reads of a source's documents are sliced HMGETs).
    /** Hash: knowledge source name → its generation, bumped on every change (replicas reload what moved). */
    knowledgeGenerations: `${prefix}{kdocs}:generations`,
    /** Set: the knowledge sources whose passages rank first (approved answers). */
    knowledgeApprovedSources: `${prefix}{kdocs}:approved`,
    /** Hash: document id → its version, of one knowledge source (what incremental syncs and reloads compare). */
    knowledgeDocumentVersions: (source: string) => `${prefix}{kdocs}:versions:${source}`,
    /** Hash: document id → JSON {id, title, url, text, version}, of one knowledge source. */
    knowledgeDocuments: (source: string) => `${prefix}{kdocs}:docs:${source}`,
    /** Sorted set: "<channel> <threadTs>" of threads a person asked in, scored by the time of their latest question. */
    userThreads: (team: string, user: string) => `${prefix}user-threads:${userTag(team, user)}`,
    // Help-channel desk: one thread's keys share the {t:…} hash tag, so a cluster keeps them in one slot.
    /** Hash: a desk thread's state, asker, question and once-only flags (hand-off posted, escalations). */
    deskThread: (k: ThreadKey) => `${prefix}desk:${threadTag(k)}`,
    /** List: JSON entries of a desk thread's state changes (who, when, bot or person), oldest first. */
    deskHistory: (k: ThreadKey) => `${prefix}desk:${threadTag(k)}:history`,
    /** A person's latest desk question in a channel (what `/threadwise handoff` acts on; commands carry no thread). */
    deskLatest: (team: string, channel: string, user: string) => `${prefix}desk-latest:${team}:${channel}:${user}`,
    /** Counter: unprompted desk answers in a channel during one UTC hour (the per-channel rate limit). */
    deskRate: (team: string, channel: string, hour: string) => `${prefix}desk-rate:${team}:${channel}:${hour}`,
    // The stats page reads many channels and days of one workspace in one pipeline: they share the {team} tag.
    /** Hash: a channel's desk counts for one UTC day (questions, answered, deflected, hand-offs, SLA breaches). */
    deskDay: (team: string, channel: string, day: string) => `${prefix}desk-day:{${team}}:${channel}:${day}`,
    /** List: milliseconds from question to first human reply, per channel and UTC day (for the median). */
    deskFirstReply: (team: string, channel: string, day: string) =>
      `${prefix}desk-first-reply:{${team}}:${channel}:${day}`,
    /** List: questions the bot did not answer, per channel and UTC day (for the top unanswered topics). */
    deskUnanswered: (team: string, channel: string, day: string) =>
      `${prefix}desk-unanswered:{${team}}:${channel}:${day}`,
    /** List: JSON of a channel's resolved desk threads (question, answer, permalink), newest first, to cite later. */
    deskSolved: (team: string, channel: string) => `${prefix}desk-solved:${team}:${channel}`,
    /** BullMQ queue of SLA timers (delayed jobs) under the same prefix as the turn queue. */
    deskSlaQueue: 'desk-sla',
    /** Hash: knowledge source name → JSON of its sync status (last success, last error, counts, per-document problems). */
    knowledgeStatus: `${prefix}knowledge-status`,
    /** Held by the replica syncing a knowledge source, so one sync of it runs at a time across replicas. */
    knowledgeSyncLock: (source: string) => `${prefix}knowledge-sync-lock:${source}`,
    /** BullMQ queue of the repeating knowledge sync tick, under the same prefix as the turn queue. */
    knowledgeSyncQueue: 'knowledge-sync',
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
