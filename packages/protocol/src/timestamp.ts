/**
 * The domain of every timestamp on the wire (`time`, `data.expiresAt`, ops
 * time bounds): RFC 3339 date-times that Postgres `timestamptz` stores as
 * the same instant and that JavaScript's `Date` parses, so a value accepted
 * at the edge can always be persisted, replayed and read back
 * (docs/contract.md §3 G1, "accepted means storable").
 *
 * - `YYYY-MM-DD` `T`/`t`/space `hh:mm:ss[.fraction]` `Z`/`z`/`±hh:mm`; a real
 *   calendar date; hours 00–23, minutes and seconds 00–59.
 * - No leap second (`:60`): `Date` cannot parse it and Postgres silently moves
 *   it to the next minute.
 * - Offsets up to ±15:59 (Postgres refuses larger ones, 22009); real zones
 *   span −12:00..+14:00.
 * - The instant, in UTC, within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999Z
 *   (microseconds, Postgres' precision): outside it Postgres either refuses
 *   the year (0000) or stores a year that no longer prints as RFC 3339 (BC or
 *   five digits). Fractions beyond microseconds are rounded by Postgres, so
 *   the upper bound refuses anything that could round past it.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export const TIMESTAMP_BOUNDS = Object.freeze({
  /** Largest offset from UTC Postgres accepts, in minutes (15:59). */
  maxOffsetMinutes: 15 * 60 + 59,
  /** 0001-01-01T00:00:00Z in seconds since the epoch. */
  minEpochSeconds: -62135596800,
  /** 9999-12-31T23:59:59Z in seconds since the epoch (fractions up to .999999 allowed). */
  maxEpochSeconds: 253402300799,
});

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** Why `s` is outside the timestamp domain, or undefined when it is inside. */
export function timestampProblem(s: string): string | undefined {
  const m = RFC3339.exec(s);
  if (!m) return 'must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]!)) return 'is not a calendar date';
  if (hour > 23 || minute > 59) return 'is not a time of day';
  if (second > 59) return 'must not be a leap second (:60)';
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (om > 59) return 'has an invalid offset';
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    if (Math.abs(offsetMinutes) > TIMESTAMP_BOUNDS.maxOffsetMinutes) return 'offset must be within ±15:59';
  }
  // Date.UTC maps years 0..99 to 19xx; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const epochSeconds = d.getTime() / 1000 - offsetMinutes * 60;
  const fraction = m[7] ?? '';
  if (epochSeconds < TIMESTAMP_BOUNDS.minEpochSeconds) return 'must not be before 0001-01-01T00:00:00Z';
  // Anything past .999999 in the last second may round up into year 10000.
  const pastMicros = fraction.length > 6 && /[1-9]/.test(fraction.slice(6)) && fraction.startsWith('999999');
  if (epochSeconds > TIMESTAMP_BOUNDS.maxEpochSeconds || (epochSeconds === TIMESTAMP_BOUNDS.maxEpochSeconds && pastMicros)) {
    return 'must not be after 9999-12-31T23:59:59.999999Z';
  }
  return undefined;
}

/** True when `s` is inside the timestamp domain (the `date-time` format of every validator here). */
export function isTimestamp(s: string): boolean {
  return timestampProblem(s) === undefined;
}
