import { describe, expect, it } from 'vitest';
import { certnoCheck, isValidCertno, makeCertno } from '../../data/generator/ids.ts';
import { splitSettlement, newPersonYear, yuan } from '../../data/generator/money.ts';
import { makePerson } from '../../data/generator/population.ts';
import { Rng } from '../../data/generator/rng.ts';

describe('generator building blocks', () => {
  it('computes the GB 11643 check character', () => {
    expect(certnoCheck('11010519491231002')).toBe('X');
    expect(isValidCertno('11010519491231002X')).toBe(true);
    expect(isValidCertno('110105194912310021')).toBe(false);
    const rng = new Rng(5);
    const id = makeCertno(rng, '421002', '1980-06-15', '2');
    expect(id.slice(0, 14)).toBe('42100219800615');
    expect(Number(id[16]) % 2).toBe(0);
    expect(isValidCertno(id)).toBe(true);
  });

  it('same seed, same stream', () => {
    const a = new Rng('x');
    const b = new Rng('x');
    expect(Array.from({ length: 5 }, () => a.int(0, 1000))).toEqual(Array.from({ length: 5 }, () => b.int(0, 1000)));
  });

  it('splits an inpatient settlement exactly (resident, 二级, subsistence)', () => {
    const p = { ...makePerson(new Rng(1), 0, '2026-01-01'), insutype: '390' as const, aid_category: 'subsistence' as const };
    const py = newPersonYear(p, '2026');
    const s = splitSettlement(p, 2, '21', [{ total: 1_000_000, lv: '01' }, { total: 200_000, lv: '02' }, { total: 50_000, lv: '03' }], py);
    expect(s.medfee_sumamt).toBe(1_250_000);
    expect(s.fulamt_ownpay_amt).toBe(50_000);
    expect(s.preselfpay_amt).toBe(20_000);
    expect(s.inscp_amt).toBe(1_180_000);
    expect(s.hifp_pay).toBe(840_000); // (11,800 − 600) × 75 %
    expect(s.hifmi_pay).toBe(0);
    expect(s.maf_pay).toBe(238_000); // (11,800 − 8,400) × 70 %
    expect(s.fund_pay_sumamt).toBe(1_078_000);
    expect(s.cash_payamt).toBe(172_000);
    expect(py.ytdOop).toBe(172_000);
    expect(yuan(-172_005)).toBe('-1720.05');
  });
});
