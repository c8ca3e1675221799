import type { GenContext } from '../context.ts';
import { providersOf } from '../context.ts';
import { item } from '../catalog.ts';
import { distanceKm } from '../providers.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { adult, atTime, clinic, emit, hospital, regionCode, workday } from './common.ts';

/** 冒名就医 scenarios: care after death, overlapping stays, outpatient during a stay, impossible travel, card stacking, sex conflicts. */
export async function plantImpersonation(ctx: GenContext): Promise<void> {
  const { truth, cal } = ctx;
  const n = ctx.casesPerDetector;
  const F = 'impersonation';
  const D = cal.days;
  for (let k = 0; k < n; k++) {
    const r = regionCode(ctx, k);
    // care_after_death: settles 5–20 days after the recorded death.
    const p = adult(ctx, r);
    const die = workday(ctx, 20, D - 30);
    ctx.deaths.push({ certno: p.certno, day: die, source: k % 2 ? '民政火化' : '公安销户' });
    await emit(ctx, outpatientVisit(ctx, p, clinic(ctx, r, k), workday(ctx, 0, die - 5), '11'));
    const after = await emit(ctx, outpatientVisit(ctx, p, hospital(ctx, r, 1, k), workday(ctx, die + 5, die + 20), '11'));
    truth.add('care_after_death', F, 'person', 'alert', '死亡后就医结算', { psn_no: p.psn_no, setl_id: after.setl_id }, '参保人死亡后仍发生门诊结算');
    // Look-alikes: in-hospital death settled on the death day; a post-death settlement that was reversed.
    const q = adult(ctx, r, (x) => x.age >= 60);
    const qDie = workday(ctx, 20, D - 30);
    ctx.deaths.push({ certno: q.certno, day: qDie, source: '民政火化' });
    const stay = inpatientStay(ctx, q, hospital(ctx, r, 2, k), qDie - 6, { los: 6 });
    const s1 = await emit(ctx, stay);
    truth.add('care_after_death', F, 'person', 'no_alert', '院内死亡当日结算', { psn_no: q.psn_no, setl_id: s1.setl_id }, '住院期间死亡，死亡当日出院结算，不属于死亡后就医');
    const rv = outpatientVisit(ctx, q, clinic(ctx, r, k + 1), qDie + 3, '11');
    rv.reversed = true;
    const s2 = await emit(ctx, rv);
    truth.add('care_after_death', F, 'person', 'no_alert', '死亡后结算已冲销', { psn_no: q.psn_no, setl_id: s2.setl_id }, '死亡后误刷已全额冲销（refd_setl_flag=1），不应计入');

    // overlapping_inpatient_stays: stay B begins inside stay A at another hospital.
    const o = adult(ctx, r);
    const a0 = workday(ctx, 5, D - 30);
    await emit(ctx, inpatientStay(ctx, o, hospital(ctx, r, 2, k), a0, { los: 9 }));
    const b = await emit(ctx, inpatientStay(ctx, o, hospital(ctx, r, 1, k), a0 + 3, { los: 5 }));
    truth.add('overlapping_inpatient_stays', F, 'person', 'alert', '两院住院时间重叠', { psn_no: o.psn_no, mdtrt_id: b.mdtrt_id }, '同一参保人在两家医院的住院时间重叠');
    const t = adult(ctx, r);
    const t0 = workday(ctx, 5, D - 30);
    const first = inpatientStay(ctx, t, hospital(ctx, r, 1, k + 1), t0, { los: 6 });
    first.endMin = 9 * 60;
    first.setlMin = 9 * 60 + 10;
    await emit(ctx, first);
    const transfer = await emit(ctx, inpatientStay(ctx, t, hospital(ctx, r, 3), t0 + 6, { los: 5, beginMin: 14 * 60 }));
    truth.add('overlapping_inpatient_stays', F, 'person', 'no_alert', '出院当日转院', { psn_no: t.psn_no, mdtrt_id: transfer.mdtrt_id }, '上午出院、下午在上级医院入院（转院），时间不重叠');

    // outpatient_during_inpatient
    const u = adult(ctx, r);
    const u0 = workday(ctx, 5, D - 30);
    await emit(ctx, inpatientStay(ctx, u, hospital(ctx, r, 2, k + 1), u0, { los: 8 }));
    const op = await emit(ctx, outpatientVisit(ctx, u, clinic(ctx, r, k + 2), u0 + 4, '11'));
    truth.add('outpatient_during_inpatient', F, 'person', 'alert', '住院期间门诊结算', { psn_no: u.psn_no, mdtrt_id: op.mdtrt_id }, '住院期间在其他机构发生门诊结算');
    const ph = await emit(ctx, outpatientVisit(ctx, u, providersOf(ctx, r, 'pharmacy')[0]!, u0 + 5, '41', 'J06.900'));
    truth.add('outpatient_during_inpatient', F, 'person', 'alert', '住院期间药店购药', { psn_no: u.psn_no, mdtrt_id: ph.mdtrt_id }, '住院期间在药店医保购药');
    const after8 = await emit(ctx, outpatientVisit(ctx, u, clinic(ctx, r, k + 2), u0 + 9, '11'));
    truth.add('outpatient_during_inpatient', F, 'person', 'no_alert', '出院次日复诊', { psn_no: u.psn_no, mdtrt_id: after8.mdtrt_id }, '出院后次日门诊复诊，不在住院期间');

    // impossible_travel: two regions ~100 km apart within 50 minutes.
    const v = adult(ctx, r);
    const far = regionCode(ctx, k + 2);
    const h1 = hospital(ctx, r, 2, k);
    const h2 = hospital(ctx, far, 2, k);
    if (distanceKm(h1, h2) < 60) throw new Error('impossible_travel: planted providers too close');
    const day = workday(ctx, 0, D);
    await emit(ctx, atTime(outpatientVisit(ctx, v, h1, day, '11'), 9 * 60, 20));
    const v2 = atTime(outpatientVisit(ctx, v, h2, day, '11'), 9 * 60 + 50, 20);
    const e2 = await emit(ctx, v2);
    truth.add('impossible_travel', F, 'person', 'alert', '同日异地就医', { psn_no: v.psn_no, mdtrt_id: e2.mdtrt_id }, `同日相隔约${Math.round(distanceKm(h1, h2))}公里的两家医院，50分钟内先后结算`);
    const w = adult(ctx, r);
    const c1 = clinic(ctx, r, 0);
    const c2 = providersOf(ctx, r, 'hospital', 3)[0]!;
    const wd = workday(ctx, 0, D);
    await emit(ctx, atTime(outpatientVisit(ctx, w, c1, wd, '11'), 8 * 60, 20));
    const we = await emit(ctx, atTime(outpatientVisit(ctx, w, c2, wd, '11'), 14 * 60, 30));
    truth.add('impossible_travel', F, 'person', 'no_alert', '同城同日两次就诊', { psn_no: w.psn_no, mdtrt_id: we.mdtrt_id }, `同城相距约${Math.round(distanceKm(c1, c2))}公里，间隔6小时，行程可行`);

    // diagnosis_sex_conflict
    const m = adult(ctx, r, (x) => x.gend === '1');
    const mv = await emit(ctx, outpatientVisit(ctx, m, hospital(ctx, r, 2, k), workday(ctx, 0, D), '11', 'N70.900'));
    truth.add('diagnosis_sex_conflict', F, 'visit', 'alert', '男性女性诊断', { mdtrt_id: mv.mdtrt_id }, '男性患者主诊断为输卵管炎和卵巢炎(N70.900)');
    const fm = adult(ctx, r, (x) => x.gend === '2');
    const fs = inpatientStay(ctx, fm, hospital(ctx, r, 2, k + 1), workday(ctx, 0, D - 20), { dx: 'N20.000', los: 5 });
    fs.procs = ['60.2902'];
    const fe = await emit(ctx, fs);
    truth.add('diagnosis_sex_conflict', F, 'visit', 'alert', '女性男性手术', { mdtrt_id: fe.mdtrt_id }, '女性患者手术操作为经尿道前列腺切除术(60.2902)');
    const ok = adult(ctx, r, (x) => x.gend === '2');
    const ov = await emit(ctx, outpatientVisit(ctx, ok, hospital(ctx, r, 2, k), workday(ctx, 0, D), '11', 'N70.900'));
    truth.add('diagnosis_sex_conflict', F, 'visit', 'no_alert', '女性妇科诊断', { mdtrt_id: ov.mdtrt_id }, '女性患者妇科诊断，性别相符');
  }
  await plantCardStacking(ctx);
}

/** card_stacking: one physician settles semaglutide for 9 people within 2 minutes; look-alike spread over a day. */
async function plantCardStacking(ctx: GenContext): Promise<void> {
  const { truth, cal, cat } = ctx;
  const semaglutide = item(cat, '司美格鲁肽注射液');
  for (let k = 0; k < ctx.casesPerDetector + 1; k++) {
    const r = regionCode(ctx, k);
    const prov = hospital(ctx, r, 3);
    const docs = prov.physicians.filter((d) => d.dept === '内科');
    const dr = k < ctx.casesPerDetector ? docs[Math.floor(k / 3) % docs.length]! : docs[docs.length - 1]!;
    const stacked = k < ctx.casesPerDetector;
    const day = workday(ctx, 0, cal.days);
    const people = stacked ? 9 : 8;
    for (let i = 0; i < people; i++) {
      const p = adult(ctx, r);
      const v = outpatientVisit(ctx, p, prov, day, '140104', i % 3 === 0 ? 'E11.900' : 'K29.700');
      v.chfpdr = dr;
      v.lines = [{ item: semaglutide, cnt: 2, day, minute: 0, dr, days: 28 }];
      const minute = stacked ? 15 * 60 + 30 + Math.floor((i * 13) / 60) : 9 * 60 + i * 45;
      const sec = stacked ? (i * 13) % 60 : 0;
      v.lines[0]!.minute = minute;
      v.beginMin = minute;
      v.endMin = minute;
      v.setlMin = minute;
      v.setlSec = sec;
      await emit(ctx, v);
    }
    truth.add('card_stacking', 'impersonation', 'physician', stacked ? 'alert' : 'no_alert', stacked ? '批量刷卡开司美格鲁肽' : '同日分散开具司美格鲁肽',
      { fixmedins_code: prov.code, bilg_dr_codg: dr.code },
      stacked ? '同一医师2分钟内为9名参保人结算司美格鲁肽注射液' : '同一医师当日为8名患者开具司美格鲁肽，间隔45分钟，属正常门诊节奏');
  }
}
