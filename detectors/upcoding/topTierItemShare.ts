import type { Detector, ExplainInput } from '../types.ts';
import { num, quoted, yuan } from '../../pipeline/detect/explain.ts';

/** Share of the highest-priced tier within an item family (e.g. 诊察费 tiers) above providers of the same kind (tier, specialty, type). */
export const detector: Detector = {
  id: 'top_tier_item_share',
  version: 2,
  family: 'upcoding',
  gz_code: null,
  title_zh: '同类项目最高档占比显著高于同类机构（疑似串换高套）',
  title_en: 'Share of the top-priced tier within an item family above providers of the same kind',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（串换、高套）',
  subject_type: 'provider',
  params: {
    family_prefix_len: {
      default: 11,
      unit: '位',
      min: 5,
      max: 14,
      description_zh:
        '项目族 = 医保目录编码前 N 位 (item family = first N characters of med_list_codg; 11 = "00" + the 9-digit 规范 item, tiers differ in the 4-digit extension, e.g. 普通门诊诊查费 / 副主任 / 主任 / 知名专家)',
    },
    min_family_count: { default: 30, unit: '次', min: 10, max: 10000, description_zh: '机构该项目族最少数量 (minimum units of the family at a provider)' },
    min_peers: { default: 5, unit: '家', min: 3, max: 50, description_zh: '同类机构最少数量，不足则不预警 (smaller peer groups: no alert)' },
    z_threshold: { default: 3, unit: 'z', min: 2, max: 10, description_zh: '稳健 z 分数阈值 (robust z on the share)' },
    min_share_gap: { default: 0.2, unit: 'ratio', min: 0.05, max: 0.5, description_zh: '高出同组中位数的最小占比差 (minimum share above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', min: 0.005, max: 0.1, description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/top_tier_item_share.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;
  return (
    `${m.period_from} 至 ${m.period_to} 本院${quoted(m.family_name ?? m.item_family)}等 ${m.tiers} 档项目共收费 ${num(m.family_count)} 次，其中最高档${quoted(m.top_item_name ?? m.top_item)}` +
    `（${yuan(Number(m.top_price))}）${num(m.top_count)} 次，占 ${pct(m.share)}；同类机构（${String(h.peer?.group ?? '').split('·')[0]}，${h.peer?.size} 家）中位数 ${pct(h.peer?.median)}` +
    `（界限：高出 ${(Number(h.threshold.min_share_gap) * 100).toFixed(0)} 个百分点），疑似串换高套；估算多收 ${yuan(h.amount_at_risk)}`
  );
}
