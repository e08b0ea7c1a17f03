import { WEEKDAYS, type BusinessHours, type Weekday } from '../../../shared/contract';

/** Minutes since midnight for "HH:MM" ("24:00" allowed as an end), or null when malformed. */
export function timeToMinutes(time: string): number | null {
  if (time === '24:00') return 24 * 60;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

// Building a formatter is costly and isOpen runs for every department on every widget load.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Weekday and minutes since midnight of `now` on the wall clock of `timeZone`. */
export function localTime(timeZone: string, now: Date): { day: Weekday; minutes: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(now).map((p) => [p.type, p.value]));
  const day = parts.weekday.toLowerCase().slice(0, 3) as Weekday;
  return { day, minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute) };
}

/**
 * Whether `now` falls in the department's hours. No hours at all (null, {} or only empty days)
 * means always open: a department that must not take chats is deactivated instead. A range whose
 * end is not after its start crosses midnight (["22:00","02:00"]; equal ends make 24 hours), so
 * the early hours of a day are also covered by the previous day's ranges. Malformed ranges are
 * ignored here; settings validation rejects them. Throws RangeError for an unknown time zone.
 */
export function isOpen(hours: BusinessHours | null, timeZone: string, now: Date): boolean {
  if (!hours || !WEEKDAYS.some((d) => (hours[d]?.length ?? 0) > 0)) return true;
  const { day, minutes } = localTime(timeZone, now);
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];

  const ranges = (d: Weekday) =>
    (hours[d] ?? []).flatMap(([from, to]) => {
      const start = timeToMinutes(from);
      const end = timeToMinutes(to);
      return start === null || end === null || start === 24 * 60 ? [] : [{ start, end }];
    });

  return (
    ranges(day).some(({ start, end }) => (start < end ? minutes >= start && minutes < end : minutes >= start)) ||
    ranges(yesterday).some(({ start, end }) => start >= end && minutes < end)
  );
}

/** The department's time zone, or the default when none (or an invalid one) is set. */
export const departmentTimeZone = (tz: string | null | undefined): string =>
  tz && isValidTimeZone(tz) ? tz : 'America/Sao_Paulo';
