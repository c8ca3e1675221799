import type { Detector, ExplainInput } from '../types.ts';
import { yuan } from '../../pipeline/detect/explain.ts';

/**
 * Settlement amounts failing Benford's first-digit test (Nigrini MAD 0.006 / 0.012 / 0.015). A weak screen; amounts a
 * price list decides (itemised billing at standard prices, dialysis sessions, fixed-fee packages) are left out.
 */
export const detector: Detector = {
  id: 'benford_amounts',
  version: 2,
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
      min: 100,
      max: 5000,
      description_zh: '最少金额笔数，不足则跳过；Nigrini 建议 ≥500，小样本的偶然偏离由同行 z 检验把关 (providers with fewer amounts are skipped; Nigrini prefers ≥ 500 — the peer z check absorbs small-sample noise)',
    },
    min_amount: { default: 10, unit: '元', min: 0, max: 100, description_zh: '参与检验的最小金额 (amounts below this are left out)' },
    mad_close: { default: 0.006, unit: 'MAD', min: 0, max: 0.05, description_zh: 'Nigrini 首位数字: 高度符合上限 (close conformity)' },
    mad_acceptable: { default: 0.012, unit: 'MAD', min: 0, max: 0.05, description_zh: 'Nigrini 首位数字: 可接受上限 (acceptable conformity)' },
    mad_nonconformity: { default: 0.015, unit: 'MAD', min: 0.006, max: 0.1, description_zh: 'Nigrini 首位数字: 超过即不符合 (above: nonconformity)' },
    min_peers: { default: 5, unit: '家', min: 1, max: 100, description_zh: '参与比较的最少机构数，不足则不预警 (fewer tested providers: skipped)' },
    min_peer_z: { default: 3, unit: 'z', min: 0, max: 10, description_zh: 'MAD 相对其他机构的稳健 z 下限，0 = 只看 Benford (robust z of the MAD among providers; 0 turns the peer check off)' },
    standard_price_share: {
      default: 0.9,
      unit: 'ratio',
      min: 0.5,
      max: 1.01,
      description_zh:
        '某项目在本机构最常见单价覆盖其收费行的比例达到此值即为标准单价；全部收费行按标准单价计费的结算（逐项计费、透析、打包收费）不参与检验；1.01 = 不剔除 (settlements whose every line is at the standard price are left out; 1.01 turns it off)',
    },
    spread_floor: { default: 0.002, unit: 'MAD', min: 0.0005, max: 0.02, description_zh: 'z 分母下限 (floor of 1.4826·MAD of the MADs)' },
  },
  lookbackDays: 0,
  sql: 'provider_pattern/benford_amounts.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const shares = (m.observed_first_digit_shares as number[] | undefined) ?? [];
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;
  return (
    `${m.period_from} 至 ${m.period_to} 结算金额 ${m.amounts} 笔（已剔除按标准单价计费的 ${m.amounts_at_standard_prices_left_out} 笔）的首位数字分布` +
    `偏离本福特定律，平均绝对偏差 MAD ${m.mad}，超过不符合界限 ${h.threshold.mad_nonconformity}，并高于 ${h.peer?.size} 家机构的中位数 ${h.peer?.median}；` +
    `首位为 1、2、3 的占比 ${shares.slice(0, 3).map(pct).join('、')}（期望 30.1%、17.6%、12.5%）；估算涉及金额 ${yuan(h.amount_at_risk)}`
  );
}
