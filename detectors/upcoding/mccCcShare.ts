import type { Detector, ExplainInput } from '../types.ts';
import { yuan } from '../../pipeline/detect/explain.ts';

/**
 * DRG upcoding (高编高套): share of stays with MCC/CC secondary diagnoses far above what the provider's case mix
 * gives at providers of the same kind. NHSA/Guangxi case: a township hospital at 57.89 %, sustained. Lists:
 * CHS-DRG 1.1 (table ref_drg_cc).
 */
export const detector: Detector = {
  id: 'mcc_cc_share',
  version: 2,
  family: 'upcoding',
  gz_code: null,
  title_zh: 'MCC/CC 并发症病例占比显著高于病种结构预期（疑似高编高套）',
  title_en: 'Share of stays with MCC/CC secondary diagnoses far above the case-mix expectation among providers of the same kind',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（串换、高套）',
  subject_type: 'provider',
  params: {
    min_stays: { default: 30, unit: '次', min: 10, max: 1000, description_zh: '机构最少出院人次，不足不参与比较 (providers with fewer stays are skipped)' },
    min_peers: { default: 5, unit: '家', min: 3, max: 50, description_zh: '同类机构最少数量，不足则不预警 (peer groups smaller than this: no alert)' },
    z_threshold: { default: 1, unit: 'z', min: 0.5, max: 10, description_zh: '超出预期部分的稳健 z 分数阈值；同组机构少、离群者会抬高 MAD，故较低，主要由占比差下限把关 (robust z on the excess over the case-mix expectation; low because few peers and the outliers themselves inflate the MAD — min_share_gap is the main guard)' },
    min_share_gap: {
      default: 0.15,
      unit: 'ratio',
      min: 0.05,
      max: 0.5,
      description_zh:
        '超出病种结构预期（减去同组超出中位数）的最小占比差；按病种结构预期后的离散度比原始占比小，故由 0.2 降为 0.15 (minimum excess over the case-mix expectation; tighter than the raw share, hence 0.15 instead of 0.2)',
    },
    spread_floor: { default: 0.02, unit: 'ratio', min: 0.005, max: 0.1, description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/mcc_cc_share.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;
  const points = (x: number) => (x * 100).toFixed(1);
  const over = points(Number(m.excess_share) - Number(h.peer?.median));
  return (
    `${m.period_from} 至 ${m.period_to} 出院 ${m.stays} 人次中 ${m.mcc_cc_stays} 人次填报了 MCC/CC 并发症，占 ${pct(m.share)}；` +
    `按本院病种结构、以同类机构（${h.peer?.group}，${h.peer?.size} 家）的水平预期为 ${pct(m.expected_share)}，` +
    `高出预期 ${points(Number(m.excess_share))} 个百分点，比同类机构的中位水平多 ${over} 个百分点（界限 ${points(Number(h.threshold.min_share_gap))} 个百分点），` +
    `疑似高编高套；估算涉及金额 ${yuan(h.amount_at_risk)}`
  );
}
