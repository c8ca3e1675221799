import type { Detector } from '../types.ts';

/** Share of the highest-priced tier within an item family (e.g. 诊察费 tiers) above same-level peers. */
export const detector: Detector = {
  id: 'top_tier_item_share',
  version: 1,
  family: 'upcoding',
  gz_code: null,
  title_zh: '同类项目最高档占比显著高于同级机构（疑似串换高套）',
  title_en: 'Share of the top-priced tier within an item family above same-level peers',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（串换、高套）',
  subject_type: 'provider',
  params: {
    family_prefix_len: {
      default: 11,
      unit: '位',
      description_zh:
        '项目族 = 医保目录编码前 N 位 (item family = first N characters of med_list_codg; 11 = "00" + the 9-digit 规范 item, tiers differ in the 4-digit extension, e.g. 普通门诊诊查费 / 副主任 / 主任 / 知名专家)',
    },
    min_family_count: { default: 30, unit: '次', description_zh: '机构该项目族最少数量 (minimum units of the family at a provider)' },
    min_peers: { default: 5, unit: '家', description_zh: '同组最少机构数，不足则跳过 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', description_zh: '稳健 z 分数阈值 (robust z on the share)' },
    min_share_gap: { default: 0.2, unit: 'ratio', description_zh: '高出同组中位数的最小占比差 (minimum share above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/top_tier_item_share.sql',
};
