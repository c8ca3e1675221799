import type { Detector } from '../types.ts';

/** Settlement amounts failing Benford's first-digit test (Nigrini MAD 0.006 / 0.012 / 0.015). A weak screen. */
export const detector: Detector = {
  id: 'benford_amounts',
  version: 1,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '机构结算金额首位数字不符合本福特定律',
  title_en: "Provider's amounts fail Benford's first-digit test (Nigrini MAD)",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（伪造、变造、隐匿、涂改、销毁医学文书等有关资料）',
  subject_type: 'provider',
  params: {
    min_sample: {
      default: 200,
      unit: '笔',
      description_zh: '最少金额笔数，不足则跳过；Nigrini 建议 ≥500，小样本的偶然偏离由同行 z 检验把关 (providers with fewer amounts are skipped; Nigrini prefers ≥ 500 — the peer z check absorbs small-sample noise)',
    },
    min_amount: { default: 10, unit: '元', description_zh: '参与检验的最小金额 (amounts below this are left out)' },
    mad_close: { default: 0.006, unit: 'MAD', description_zh: 'Nigrini 首位数字: 高度符合上限 (close conformity)' },
    mad_acceptable: { default: 0.012, unit: 'MAD', description_zh: 'Nigrini 首位数字: 可接受上限 (acceptable conformity)' },
    mad_nonconformity: { default: 0.015, unit: 'MAD', description_zh: 'Nigrini 首位数字: 超过即不符合 (above: nonconformity)' },
    min_peers: { default: 5, unit: '家', description_zh: '参与比较的最少机构数，不足则跳过 (fewer tested providers: skipped)' },
    min_peer_z: { default: 3, unit: 'z', description_zh: 'MAD 相对其他机构的稳健 z 下限，0 = 只看 Benford (robust z of the MAD among providers; 0 turns the peer check off)' },
    spread_floor: { default: 0.002, unit: 'MAD', description_zh: 'z 分母下限 (floor of 1.4826·MAD of the MADs)' },
  },
  lookbackDays: 0,
  sql: 'provider_pattern/benford_amounts.sql',
};
