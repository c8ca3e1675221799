import type { Calendar } from './calendar.ts';
import { stamp } from './calendar.ts';
import type { Item } from './catalog.ts';
import { newPersonYear, splitSettlement, yuan, type PersonYear, type Split } from './money.ts';
import type { Person } from './population.ts';
import type { Physician, Provider } from './providers.ts';
import type { TableWriter, TableName } from './writer.ts';
import { hashString } from './rng.ts';
import { codeNames } from './diagnoses.ts';

/** One fee line to bill. Price in fen (defaults to the catalogue price). */
export interface FeeSpec {
  item: Item;
  cnt: number;
  price?: number;
  day: number;
  minute: number;
  dr: Physician;
  /** Days of supply (drugs). */
  days?: number;
  /** Explicit traceability codes (planted re-sales, unit-dose sales of one box); otherwise fresh codes, one per box, for drugs. */
  trace?: string[];
  /** Single dose as written (sin_dos_dscr), when it differs from the catalogue's (a changed dose). */
  dose?: string;
}

/** One visit or stay with one settlement. */
export interface VisitSpec {
  person: Person;
  provider: Provider;
  medType: '11' | '13' | '140104' | '140201' | '21' | '28' | '41';
  beginDay: number;
  beginMin: number;
  endDay: number;
  endMin: number;
  dx: string;
  diag?: string[];
  procs?: string[];
  dept: string;
  chfpdr: Physician;
  lines: FeeSpec[];
  setlDay: number;
  setlMin: number;
  setlSec?: number;
  /** Write the settlement as reversed (refd_setl_flag 1) plus an offset settlement with negated amounts. */
  reversed?: boolean;
}

export interface Emitted {
  mdtrt_id: string;
  setl_id: string;
  feedetl_sn: string[];
  trace: string[];
  split: Split;
}

export interface Crossing {
  psn_no: string;
  month: string;
  threshold: number;
}

export const AID_THRESHOLD = 1_000_000; // fen: 10,000 yuan
export const GENERAL_THRESHOLD = 5_000_000; // fen: 50,000 yuan
/** Early warning's single-stay trigger for low-income categories (fen: 6,000 yuan out of pocket). */
export const SINGLE_STAY_AID = 600_000;
/**
 * The person's year-to-date out-of-pocket threshold in `month` (YYYY-MM; default: psn_info only). As in the
 * early warning, an aid_roster entry overlapping the month decides the category, else psn_info.aid_category.
 */
export function oopThreshold(p: Person, month?: string): number {
  if (p.roster && month !== undefined) {
    const covered = p.roster.from.slice(0, 7) <= month && (p.roster.to === '' || p.roster.to.slice(0, 7) >= month);
    if (covered) return AID_THRESHOLD;
  }
  return p.aid_category ? AID_THRESHOLD : GENERAL_THRESHOLD;
}

/** Writes visits, settlements and fee lines; keeps each person's year-to-date money for the splits. */
export class ClaimSink {
  private seq = { mdtrt: 0, setl: 0, fee: 0, trace: 0 };
  private years = new Map<number, PersonYear>();
  readonly crossings: Crossing[] = [];
  feeLines = 0;

  constructor(
    private cal: Calendar,
    private w: Record<TableName, TableWriter>,
  ) {}

  personYear(p: Person, day: number): PersonYear {
    const year = this.cal.date[Math.min(day, this.cal.days - 1)]!.slice(0, 4);
    let py = this.years.get(p.idx);
    if (!py || py.year !== year) {
      py = newPersonYear(p, year);
      this.years.set(p.idx, py);
    }
    return py;
  }

  private lineTotals(v: VisitSpec) {
    return v.lines.map((l) => ({ total: Math.round(l.cnt * (l.price ?? l.item.price)), lv: l.item.lv }));
  }

  /** Year-to-date out-of-pocket after this visit, without booking it. */
  oopAfter(v: VisitSpec): { before: number; after: number } {
    const py = this.personYear(v.person, v.setlDay);
    const s = splitSettlement(v.person, v.provider.tier, v.medType, this.lineTotals(v), py, true);
    return { before: py.ytdOop, after: py.ytdOop + s.medfee_sumamt - s.fund_pay_sumamt };
  }

  newTrace(item: Item): string {
    this.seq.trace++;
    const prefix = 8000000 + (hashString(item.code) % 999999);
    return `${prefix}${String(this.seq.trace).padStart(13, '0')}`;
  }

  async emit(v: VisitSpec): Promise<Emitted> {
    if (v.endDay * 1440 + v.endMin < v.beginDay * 1440 + v.beginMin) {
      throw new Error(`generator bug: visit of ${v.person.psn_no} at ${v.provider.code} ends before it begins (day ${v.beginDay} minute ${v.beginMin} → day ${v.endDay} minute ${v.endMin})`);
    }
    const names = codeNames();
    const mdtrt_id = `MD${String(++this.seq.mdtrt).padStart(12, '0')}`;
    const setl_id = `ST${String(++this.seq.setl).padStart(12, '0')}`;
    const p = v.person;
    const inpatient = v.medType === '21' || v.medType === '28';
    this.w.mdtrt_d.row([
      mdtrt_id, p.psn_no, v.provider.code, v.medType,
      stamp(this.cal, v.beginDay, v.beginMin), stamp(this.cal, v.endDay, v.endMin),
      v.dx, names.dx.get(v.dx) ?? '', (v.diag ?? []).join('|'), (v.procs ?? []).join('|'),
      inpatient ? Math.max(1, v.endDay - v.beginDay) : '', v.dept, v.chfpdr.code,
    ]);
    const py = this.personYear(p, v.setlDay);
    const split = splitSettlement(p, v.provider.tier, v.medType, this.lineTotals(v), py, v.reversed === true);
    const setlTime = stamp(this.cal, v.setlDay, v.setlMin, v.setlSec ?? 0);
    this.setlRow(setl_id, mdtrt_id, v, setlTime, split, 1, v.reversed ? 1 : 0, '');
    const feedetl: string[] = [];
    const allTrace: string[] = [];
    const lineRows: (string | number)[][] = [];
    for (const l of v.lines) {
      const sn = `FD${String(++this.seq.fee).padStart(14, '0')}`;
      feedetl.push(sn);
      const boxes = Math.max(1, Math.round(l.cnt));
      const trace = l.item.kind === 'drug' ? (l.trace ?? Array.from({ length: Math.min(boxes, 30) }, () => this.newTrace(l.item))) : [];
      allTrace.push(...trace);
      const price = l.price ?? l.item.price;
      const row = [
        sn, mdtrt_id, setl_id, p.psn_no, v.provider.code, stamp(this.cal, l.day, l.minute),
        l.item.code, l.item.name, l.item.list_type, l.item.chrgitm, l.cnt, yuan(price), yuan(Math.round(l.cnt * price)),
        l.item.ceiling !== undefined ? yuan(l.item.ceiling) : '', l.item.lv, l.dr.code, l.dr.name, l.dr.dept,
        l.item.kind === 'drug' ? (l.days ?? 1) : '', l.dose ?? l.item.dose ?? '', l.item.freq ?? '', trace.join(','),
      ];
      this.w.fee_list_d.row(row);
      lineRows.push(row);
    }
    this.feeLines += v.lines.length;
    if (v.reversed) {
      const offsetId = `ST${String(++this.seq.setl).padStart(12, '0')}`;
      this.setlRow(offsetId, mdtrt_id, v, stamp(this.cal, v.setlDay, v.setlMin + 120), split, -1, 0, setl_id);
      for (const r of lineRows) {
        const sn = `FD${String(++this.seq.fee).padStart(14, '0')}`;
        const neg = [...r];
        neg[0] = sn;
        neg[2] = offsetId;
        neg[10] = -(r[10] as number);
        neg[12] = yuan(-Math.round((r[10] as number) * (Number(r[11]) * 100)));
        this.w.fee_list_d.row(neg);
      }
      this.feeLines += lineRows.length;
    } else {
      const threshold = oopThreshold(p, setlTime.slice(0, 7));
      const before = py.ytdOop - (split.medfee_sumamt - split.fund_pay_sumamt);
      if (before < threshold && py.ytdOop >= threshold) this.crossings.push({ psn_no: p.psn_no, month: setlTime.slice(0, 7), threshold });
    }
    await Promise.all([this.w.mdtrt_d.maybeFlush(), this.w.setl_d.maybeFlush(), this.w.fee_list_d.maybeFlush()]);
    return { mdtrt_id, setl_id, feedetl_sn: feedetl, trace: allTrace, split };
  }

  private setlRow(id: string, mdtrt: string, v: VisitSpec, time: string, s: Split, sign: 1 | -1, flag: number, init: string): void {
    const m = (x: number) => yuan(sign * x);
    this.w.setl_d.row([
      id, mdtrt, v.person.psn_no, v.provider.code, v.medType, time,
      m(s.medfee_sumamt), m(s.fulamt_ownpay_amt), m(s.overlmt_selfpay), m(s.preselfpay_amt), m(s.inscp_amt),
      m(s.hifp_pay), m(s.hifmi_pay), m(s.hifob_pay), m(s.maf_pay), m(s.othfund_pay), m(s.fund_pay_sumamt),
      m(s.acct_pay), m(s.cash_payamt), flag, init,
    ]);
  }
}
