import type { Detector } from '../types.ts';

/**
 * DRG upcoding (高编高套): share of stays with MCC/CC secondary diagnoses far above same-level peers.
 * NHSA/Guangxi case: a township hospital at 57.89 %, sustained. Lists: CHS-DRG 1.1 (table ref_drg_cc).
 */
export const detector: Detector = {
  id: 'mcc_cc_share',
  version: 1,
  family: 'upcoding',
  gz_code: null,
  title_zh: 'MCC/CC 并发症病例占比显著高于同级机构（疑似高编高套）',
  title_en: 'Share of stays with MCC/CC secondary diagnoses far above same-level peers',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（串换、高套）',
  subject_type: 'provider',
  params: {
    min_stays: { default: 30, unit: '次', description_zh: '机构最少出院人次，不足不参与比较 (providers with fewer stays are skipped)' },
    min_peers: { default: 5, unit: '家', description_zh: '同组最少机构数，不足则跳过 (peer groups smaller than this are skipped)' },
    z_threshold: { default: 1, unit: 'z', description_zh: '稳健 z 分数阈值；同组机构少、离群者会抬高 MAD，故较低，主要由占比差下限把关 (robust z on the share; low because few peers and the outliers themselves inflate the MAD — min_share_gap is the main guard)' },
    min_share_gap: { default: 0.2, unit: 'ratio', description_zh: '高出同组中位数的最小占比差 (minimum share above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/mcc_cc_share.sql',
};
