import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Day indexes from the start date, formatted dates, weekday and holiday flags (local calendar, no time zone). */
export interface Calendar {
  days: number;
  date: string[]; // YYYY-MM-DD per day index
  weekday: number[]; // 0 Sunday … 6 Saturday
  holiday: boolean[]; // statutory holiday
  restDay: boolean[]; // weekend not worked (adjusted working Saturdays count as workdays) or holiday
}

function loadHolidays(): Map<string, 'holiday' | 'workday'> {
  const path = fileURLToPath(new URL('../reference/generator/cn-public-holidays.csv', import.meta.url));
  const map = new Map<string, 'holiday' | 'workday'>();
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
    const [day, kind] = line.split(',');
    if (day && (kind === 'holiday' || kind === 'workday')) map.set(day, kind);
  }
  return map;
}

export function buildCalendar(start: string, days: number): Calendar {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) throw new Error(`bad --start date: ${start}`);
  const hol = loadHolidays();
  const base = Date.parse(`${start}T00:00:00Z`);
  const cal: Calendar = { days, date: [], weekday: [], holiday: [], restDay: [] };
  for (let d = 0; d < days; d++) {
    const t = new Date(base + d * 86400000);
    const iso = t.toISOString().slice(0, 10);
    const wd = t.getUTCDay();
    const kind = hol.get(iso);
    cal.date.push(iso);
    cal.weekday.push(wd);
    cal.holiday.push(kind === 'holiday');
    cal.restDay.push(kind === 'holiday' || (kind !== 'workday' && (wd === 0 || wd === 6)));
  }
  return cal;
}

/** 'YYYY-MM-DD HH:MM:SS' for a day index and minute of day (minutes may run past midnight). */
export function stamp(cal: Calendar, day: number, minute: number, second = 0): string {
  const d = day + Math.floor(minute / 1440);
  const m = ((minute % 1440) + 1440) % 1440;
  const date = d < cal.days ? cal.date[d]! : new Date(Date.parse(`${cal.date[0]}T00:00:00Z`) + d * 86400000).toISOString().slice(0, 10);
  return `${date} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:${String(second).padStart(2, '0')}`;
}

export function dateOf(cal: Calendar, day: number): string {
  return stamp(cal, day, 0).slice(0, 10);
}
