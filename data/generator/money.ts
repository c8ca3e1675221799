import type { Person } from './population.ts';

/**
 * Reimbursement split of one settlement, in fen (integer cents), so every identity holds exactly:
 * fund_pay_sumamt = hifp + hifmi + hifob + maf + othfund; medfee = fund + acct + cash; inscp ≤ medfee.
 * Simplified Hubei-style rules: deductible and pooled ratio by level and insurance type, annual caps,
 * critical-illness insurance (residents) / large-amount subsidy (employees) above a threshold of in-scope
 * self-burden, medical assistance for aid categories, personal account for employees' outpatient costs.
 */
export interface PersonYear {
  year: string;
  outpatientPooled: number;
  inpatientPooled: number;
  inscopeSelfBurden: number;
  mafPaid: number;
  acctBalance: number;
  /** Year-to-date out-of-pocket after the three schemes: medfee − fund. */
  ytdOop: number;
}

export interface LineMoney {
  total: number; // fen
  lv: string;
}

export interface Split {
  medfee_sumamt: number;
  fulamt_ownpay_amt: number;
  overlmt_selfpay: number;
  preselfpay_amt: number;
  inscp_amt: number;
  hifp_pay: number;
  hifmi_pay: number;
  hifob_pay: number;
  maf_pay: number;
  othfund_pay: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  cash_payamt: number;
}

const INPATIENT_DEDUCTIBLE: Record<number, number> = { 3: 100000, 2: 60000, 1: 30000, 0: 30000 };
const INPATIENT_RATIO: Record<string, Record<number, number>> = {
  '310': { 3: 0.85, 2: 0.9, 1: 0.95, 0: 0.95 },
  '390': { 3: 0.6, 2: 0.75, 1: 0.85, 0: 0.85 },
};
const ASSIST_RATE: Record<string, number> = {
  extreme_poverty: 1,
  subsistence: 0.7,
  near_subsistence: 0.6,
  monitored: 0.6,
  poverty_alleviated: 0.5,
};

export function newPersonYear(person: Person, year: string): PersonYear {
  return { year, outpatientPooled: 0, inpatientPooled: 0, inscopeSelfBurden: 0, mafPaid: 0, acctBalance: person.insutype === '310' ? 300000 : 0, ytdOop: 0 };
}

/** Computes the split and, unless `dryRun`, books it into the person-year. */
export function splitSettlement(person: Person, tier: number, medType: string, lines: LineMoney[], py: PersonYear, dryRun = false): Split {
  let medfee = 0;
  let fulamt = 0;
  let pre = 0;
  for (const l of lines) {
    medfee += l.total;
    if (l.lv === '03') fulamt += l.total;
    else if (l.lv === '02') pre += Math.round(l.total * 0.1);
  }
  const inscp = medfee - fulamt - pre;
  const employee = person.insutype === '310';
  const inpatient = medType === '21' || medType === '28';
  let hifp = 0;
  let hifmi = 0;
  let hifob = 0;
  let maf = 0;
  const next = { ...py };
  if (inpatient) {
    const base = Math.max(0, inscp - INPATIENT_DEDUCTIBLE[tier]!);
    const cap = (employee ? 40000000 : 20000000) - py.inpatientPooled;
    hifp = Math.min(Math.round(base * INPATIENT_RATIO[person.insutype]![tier]!), Math.max(0, cap));
    next.inpatientPooled += hifp;
    const selfInScope = inscp - hifp;
    const threshold = person.aid_category ? 750000 : 1500000;
    const before = Math.max(0, py.inscopeSelfBurden - threshold);
    const after = Math.max(0, py.inscopeSelfBurden + selfInScope - threshold);
    next.inscopeSelfBurden += selfInScope;
    const extra = Math.round((after - before) * (employee ? 0.8 : 0.6));
    if (employee) hifob = extra;
    else hifmi = extra;
  } else {
    // 门诊特病 (140201: dialysis, cancer treatment, negotiated drugs) is paid like a stay, with a high annual cap.
    const ratio = medType === '41' ? (employee ? 0 : 0.5) : medType === '140104' ? 0.65 : medType === '140201' ? (employee ? 0.85 : 0.7) : employee ? 0.6 : 0.5;
    const cap = (medType === '140104' ? 800000 : medType === '140201' ? 15000000 : employee ? 500000 : 300000) - py.outpatientPooled;
    hifp = Math.min(Math.round(inscp * ratio), Math.max(0, cap));
    next.outpatientPooled += hifp;
  }
  if (person.aid_category && (inpatient || medType === '140104' || medType === '140201')) {
    const remaining = inscp - hifp - hifmi - hifob;
    maf = Math.min(Math.round(remaining * ASSIST_RATE[person.aid_category]!), Math.max(0, 3000000 - py.mafPaid));
    next.mafPaid += maf;
  }
  const fund = hifp + hifmi + hifob + maf;
  const acct = !inpatient && employee ? Math.min(py.acctBalance, medfee - fund) : 0;
  next.acctBalance -= acct;
  next.ytdOop += medfee - fund;
  if (!dryRun) Object.assign(py, next);
  return {
    medfee_sumamt: medfee,
    fulamt_ownpay_amt: fulamt,
    overlmt_selfpay: 0,
    preselfpay_amt: pre,
    inscp_amt: inscp,
    hifp_pay: hifp,
    hifmi_pay: hifmi,
    hifob_pay: hifob,
    maf_pay: maf,
    othfund_pay: 0,
    fund_pay_sumamt: fund,
    acct_pay: acct,
    cash_payamt: medfee - fund - acct,
  };
}

/** Fen → '123.45' (negative too). */
export function yuan(fen: number): string {
  const neg = fen < 0;
  const a = Math.abs(fen);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}
