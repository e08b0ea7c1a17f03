import type { BusinessHours } from '../../../src/plugins/live-chat/shared/contract';
import { isOpen, isValidTimeZone, localTime, timeToMinutes } from '../../../src/plugins/live-chat/server/src/domain';

const SP = 'America/Sao_Paulo';
const WEEKDAYS_9_TO_18: BusinessHours = {
  mon: [['09:00', '18:00']],
  tue: [['09:00', '18:00']],
  wed: [['09:00', '18:00']],
  thu: [['09:00', '18:00']],
  fri: [['09:00', '18:00']],
};

// 2025-03-10 is a Monday. São Paulo has been UTC-3 all year since 2019.
describe('isOpen in São Paulo, weekdays 09:00–18:00', () => {
  it.each<[string, string, boolean]>([
    ['2025-03-10T12:00:00Z', 'Mon 09:00, opening minute', true],
    ['2025-03-10T11:59:00Z', 'Mon 08:59', false],
    ['2025-03-10T20:59:00Z', 'Mon 17:59', true],
    ['2025-03-10T21:00:00Z', 'Mon 18:00, closing minute is closed', false],
    ['2025-03-11T02:00:00Z', 'Mon 23:00 local although Tuesday in UTC', false],
    ['2025-03-14T20:00:00Z', 'Fri 17:00', true],
    ['2025-03-15T14:00:00Z', 'Sat 11:00', false],
    ['2025-03-16T14:00:00Z', 'Sun 11:00', false],
    ['2025-07-14T12:30:00Z', 'Mon 09:30 in July: no daylight saving', true],
    ['2025-12-15T11:30:00Z', 'Mon 08:30 in December: still UTC-3', false],
  ])('%s (%s) → %s', (iso, _local, expected) => {
    expect(isOpen(WEEKDAYS_9_TO_18, SP, new Date(iso))).toBe(expected);
  });
});

describe('isOpen, other shapes', () => {
  it.each<[string, BusinessHours | null, string, string, boolean]>([
    ['null is always open', null, SP, '2025-03-16T05:00:00Z', true],
    ['{} is always open', {}, SP, '2025-03-16T05:00:00Z', true],
    ['only empty days is always open', { mon: [], sat: [] }, SP, '2025-03-16T05:00:00Z', true],
    ['a day not listed is closed', { mon: [['00:00', '24:00']] }, SP, '2025-03-11T15:00:00Z', false],
    ['00:00–24:00 is the whole day', { mon: [['00:00', '24:00']] }, SP, '2025-03-11T02:59:00Z', true],
    ['two ranges, lunch break', { mon: [['09:00', '12:00'], ['13:00', '18:00']] }, SP, '2025-03-10T15:30:00Z', false],
    ['two ranges, afternoon', { mon: [['09:00', '12:00'], ['13:00', '18:00']] }, SP, '2025-03-10T16:00:00Z', true],
    ['overnight, evening part', { mon: [['22:00', '02:00']] }, SP, '2025-03-11T01:30:00Z', true],
    ['overnight, after midnight belongs to Monday', { mon: [['22:00', '02:00']] }, SP, '2025-03-11T04:59:00Z', true],
    ['overnight, ends at 02:00', { mon: [['22:00', '02:00']] }, SP, '2025-03-11T05:00:00Z', false],
    ['overnight, Monday early hours are Sunday’s', { mon: [['22:00', '02:00']] }, SP, '2025-03-10T04:00:00Z', false],
    ['overnight from Sunday into Monday', { sun: [['22:00', '02:00']] }, SP, '2025-03-10T04:00:00Z', true],
    ['equal ends make 24 hours', { mon: [['08:00', '08:00']] }, SP, '2025-03-11T10:59:00Z', true],
    ['malformed ranges are ignored', { mon: [['9am', '6pm'], ['25:00', '26:00']] }, SP, '2025-03-10T15:00:00Z', false],
    ['UTC zone', { mon: [['09:00', '18:00']] }, 'UTC', '2025-03-10T09:00:00Z', true],
    ['Tokyo is already Tuesday', { tue: [['00:00', '10:00']] }, 'Asia/Tokyo', '2025-03-10T20:00:00Z', true],
  ])('%s', (_name, hours, tz, iso, expected) => {
    expect(isOpen(hours, tz, new Date(iso))).toBe(expected);
  });

  it('throws for an unknown time zone', () => {
    expect(() => isOpen(WEEKDAYS_9_TO_18, 'Mars/Olympus', new Date())).toThrow(RangeError);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone(SP)).toBe(true);
  });
});

describe('helpers', () => {
  it.each<[string, number | null]>([
    ['00:00', 0],
    ['09:30', 570],
    ['23:59', 1439],
    ['24:00', 1440],
    ['24:01', null],
    ['9:00', null],
    ['12:60', null],
    ['', null],
  ])('timeToMinutes(%j) → %s', (time, expected) => {
    expect(timeToMinutes(time)).toBe(expected);
  });

  it('localTime reads the wall clock of the zone, midnight as 0', () => {
    expect(localTime(SP, new Date('2025-03-11T03:00:00Z'))).toEqual({ day: 'tue', minutes: 0 });
    expect(localTime(SP, new Date('2025-03-11T02:59:00Z'))).toEqual({ day: 'mon', minutes: 1439 });
  });
});
