import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './envelope.js';
import type {
  AuditLogEntry,
  AuditPage,
  DeadLetter,
  DeadLetterPage,
  DeadLetterRetried,
  DeadLetterRetryAll,
  HistoryEvent,
  HistoryPage,
  LagReport,
  PartitionLag,
  RebuildList,
  RebuildStatus,
  RedeliverAccepted,
} from './ops-http.js';
import { REBUILD_ERRORS, type RebuildErrorCode } from './rebuild-errors.js';
import { agree, type Identical } from './schema-tie.js';

/**
 * JSON Schemas of the ops API's answers: the ops routes' response schemas,
 * which also drive their serialisation (a field missing here would be
 * dropped from the answer), and through them docs/openapi/ops.yaml. The
 * assertions at the bottom tie each to its interface in ops-http.ts.
 */
const Time = Type.String({ format: 'date-time' });
const TimeOrNull = Type.Union([Time, Type.Null()]);
const Decimal = (description?: string) => Type.String({ pattern: '^[0-9]+$', ...(description ? { description } : {}) });
const DecimalOrNull = (description: string) => Type.Union([Decimal(), Type.Null()], { description });
const Count = Type.Integer({ minimum: 0 });
const strict = { additionalProperties: false } as const;

export const HistoryEventSchema = Type.Object(
  {
    partition: Count,
    offset: Decimal(),
    cursor: Type.String({ description: 'The position of this event, to resume a socket or redeliver from.' }),
    event: Type.Object(
      { id: Type.String(), type: Type.String(), userId: Type.String(), time: Time, source: Type.String(), data: Type.Unknown() },
      { ...strict, description: 'The envelope as the mirror stores it.' },
    ),
  },
  strict,
);
export const HistoryPageSchema = Type.Object(
  {
    events: Type.Array(HistoryEventSchema),
    next: Type.Optional(Type.String({ description: 'Pass as `from` for the next page; absent on the last page.' })),
  },
  strict,
);

export const RedeliverAcceptedSchema = Type.Object(
  { requestId: Type.String({ format: 'uuid', description: "Names the command in the gateways' log lines." }) },
  strict,
);

const PhaseStatsSchema = Type.Object({ ms: Count, events: Count }, strict);
export const RebuildStatusSchema = Type.Object(
  {
    id: Type.String(),
    source: StringEnum(['kafka', 'mirror'] as const),
    actor: Type.String(),
    state: StringEnum(['running', 'swapping', 'done', 'failed'] as const),
    phase: StringEnum(['prepare', 'load', 'catchup', 'swap', 'cleanup', 'finished'] as const),
    startedAt: Time,
    finishedAt: TimeOrNull,
    events: Type.Integer({ minimum: 0, description: 'Events applied so far, over all phases.' }),
    eventsPerSec: Type.Integer({ minimum: 0, description: 'Events per second since the start (over the whole job once finished).' }),
    partitions: Type.Array(
      Type.Object({ partition: Count, done: Decimal('Everything below is applied.'), target: Decimal('The position being caught up to.') }, strict),
    ),
    phases: Type.Partial(Type.Object({ load: PhaseStatsSchema, catchup: PhaseStatsSchema, swap: PhaseStatsSchema }, strict), {
      description: 'The phases finished so far.',
    }),
    catchupRounds: Count,
    error: Type.Union([
      Type.Object({ code: StringEnum(Object.keys(REBUILD_ERRORS) as RebuildErrorCode[]), message: Type.String() }, { ...strict, description: 'Codes in docs/operations.md.' }),
      Type.Null(),
    ]),
  },
  strict,
);
export const RebuildListSchema = Type.Object({ rebuilds: Type.Array(RebuildStatusSchema, { description: 'Newest first.' }) }, strict);

export const DeadLetterSchema = Type.Object(
  {
    id: Decimal(),
    partition: Count,
    offset: Decimal(),
    key: Type.Union([Type.String(), Type.Null()]),
    value: Type.Union([Type.String(), Type.Null()], { description: 'The record value as received.' }),
    reason: Type.String(),
    createdAt: Time,
    retriedAt: TimeOrNull,
    retryCount: Count,
  },
  strict,
);
export const DeadLetterPageSchema = Type.Object(
  {
    letters: Type.Array(DeadLetterSchema),
    pending: Type.Integer({ minimum: 0, description: 'Letters never retried, over the whole table.' }),
    next: Type.Optional(Decimal('Pass as `after` for the next page; absent on the last page.')),
  },
  strict,
);
export const DeadLetterRetriedSchema = Type.Object({ id: Decimal(), eventId: Type.String(), userId: Type.String(), retryCount: Count }, strict);
const Issue = Type.Object({ path: Type.String(), message: Type.String() }, strict);
export const DeadLetterRetryAllSchema = Type.Object(
  {
    retried: Count,
    skipped: Type.Array(Type.Object({ id: Decimal(), issues: Type.Array(Issue) }, strict), {
      description: 'Letters whose stored value still fails validation (first 100), left pending.',
    }),
    skippedCount: Count,
  },
  strict,
);

export const PartitionLagSchema = Type.Object(
  {
    partition: Count,
    logEnd: Decimal(),
    persisterCommitted: DecimalOrNull("The persister group's committed offset; null before its first commit."),
    watermark: DecimalOrNull('The Postgres watermark; null before the first write.'),
    persisterLag: Decimal('Records the persister still has to store (log end − watermark).'),
    gateways: Type.Array(
      Type.Object(
        {
          node: Type.String({ description: 'The base URL, as configured in OPS_GATEWAY_URLS.' }),
          lag: DecimalOrNull('Records its live feed is behind the log end; null when the node did not answer or has not fetched this partition.'),
        },
        strict,
      ),
    ),
  },
  strict,
);
export const LagReportSchema = Type.Object({ partitions: Type.Array(PartitionLagSchema) }, strict);

export const AuditLogEntrySchema = Type.Object(
  {
    id: Decimal(),
    at: Time,
    actor: Type.String({ description: 'The `sub` of the ops token; `anonymous` when none verified.' }),
    action: Type.String(),
    params: Type.Unknown(),
    result: Type.Unknown(),
    ok: Type.Boolean(),
  },
  strict,
);
export const AuditPageSchema = Type.Object(
  {
    entries: Type.Array(AuditLogEntrySchema),
    next: Type.Optional(Decimal('Pass as `before` for the next (older) page; absent on the last page.')),
  },
  strict,
);

agree<Identical<Static<typeof HistoryEventSchema>, HistoryEvent>>();
agree<Identical<Static<typeof HistoryPageSchema>, HistoryPage>>();
agree<Identical<Static<typeof RedeliverAcceptedSchema>, RedeliverAccepted>>();
agree<Identical<Static<typeof RebuildStatusSchema>, RebuildStatus>>();
agree<Identical<Static<typeof RebuildListSchema>, RebuildList>>();
agree<Identical<Static<typeof DeadLetterSchema>, DeadLetter>>();
agree<Identical<Static<typeof DeadLetterPageSchema>, DeadLetterPage>>();
agree<Identical<Static<typeof DeadLetterRetriedSchema>, DeadLetterRetried>>();
agree<Identical<Static<typeof DeadLetterRetryAllSchema>, DeadLetterRetryAll>>();
agree<Identical<Static<typeof PartitionLagSchema>, PartitionLag>>();
agree<Identical<Static<typeof LagReportSchema>, LagReport>>();
agree<Identical<Static<typeof AuditLogEntrySchema>, AuditLogEntry>>();
agree<Identical<Static<typeof AuditPageSchema>, AuditPage>>();
