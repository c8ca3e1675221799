import type { Detector, ExplainInput } from '../types.ts';
import { num, quoted, yuan } from '../../pipeline/detect/explain.ts';
import { careCodes } from '../admission/careCodes.ts';

/**
 * One inpatient stay ≥ 150,000 yuan (a local/product parameter, see domain-notes §7) whose cost ordinary care does
 * not explain: lines billed far above the item's usual price, or a total far above its case-mix group without any
 * high-intensity care (ICU, ECMO, dialysis, targeted drugs…) in it.
 */
export const detector: Detector = {
  id: 'high_cost_single_stay',
  version: 2,
  family: 'high_cost',
  gz_code: null,
  title_zh: '单次住院费用异常高额且与诊疗不符',
  title_en: 'Single inpatient stay with a very high cost that ordinary care does not explain',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（过度诊疗、过度检查、超标准收费）',
  subject_type: 'visit',
  params: {
    min_stay_cost: { default: 150000, unit: '元', min: 50000, max: 1000000, description_zh: '单次住院总费用下限，达到才审查 (stays from this total are examined)' },
    min_price_ratio: {
      default: 3,
      unit: 'ratio',
      min: 2,
      max: 20,
      description_zh: '收费单价达到该项目常用单价（同病组住院中最常见的单价）的倍数即为价格异常 (a line at this multiple of the item\'s usual price on stays of the same case-mix group is overpriced)',
    },
    min_overprice_share: {
      default: 0.2,
      unit: 'ratio',
      min: 0.05,
      max: 1,
      description_zh: '高于常用单价部分占住院总费用的最低比例 (amount above the usual prices as a share of the stay total)',
    },
    min_item_lines: { default: 5, unit: '行', min: 3, max: 100, description_zh: '确定常用单价所需的该项目在同病组住院中的最少收费行数 (lines of an item needed to know its usual price)' },
    min_peer_ratio: {
      default: 4,
      unit: 'ratio',
      min: 2,
      max: 20,
      description_zh: '无高强度治疗时，住院总费用 / 同病组（主诊断类目×主手术）中位数 的下限 (total ÷ case-mix median, for stays without high-intensity care)',
    },
    min_peer_stays: {
      default: 20,
      unit: '次',
      min: 5,
      max: 500,
      description_zh: '同病组最少住院数，不足则不按病组判断 (case-mix groups with fewer stays give no finding)',
    },
    intensive_item_prefixes: {
      default: careCodes('high-intensity-care-codes.csv', 'item'),
      unit: 'list',
      description_zh: '高强度治疗收费项目编码前缀（重症监护、ECMO、呼吸机、透析、放疗、抗肿瘤药、免疫抑制剂）(data/reference/clinical/high-intensity-care-codes.csv)',
    },
    intensive_oprn_prefixes: {
      default: careCodes('high-intensity-care-codes.csv', 'oprn'),
      unit: 'list',
      description_zh: '高强度治疗手术操作前缀（ECMO、机械通气、气管切开、透析、放化疗、器官移植）(ICD-9-CM-3)',
    },
    intensive_diag_prefixes: {
      default: careCodes('high-intensity-care-codes.csv', 'diag'),
      unit: 'list',
      description_zh: '高强度治疗诊断前缀（放化疗疗程、透析）(ICD-10)',
    },
  },
  lookbackDays: 365,
  sql: 'high_cost/high_cost_single_stay.sql',
  explain,
};

interface OverLine {
  name: string | null;
  med_list_codg: string;
  pric: number;
  usual_pric: number;
  cnt: number;
}

function explain(h: ExplainInput): string {
  const m = h.measured;
  const findings = (m.findings as string[] | undefined) ?? [];
  const head = `${m.admission} 至 ${m.discharge} 住院（主诊断 ${m.dscg_maindiag_code ?? '未填'}）总费用 ${yuan(Number(m.total_cost))}（审查线 ${yuan(Number(h.threshold.min_stay_cost))}）`;
  const parts: string[] = [];
  if (findings.includes('price')) {
    const top = ((m.overpriced_lines as OverLine[] | undefined) ?? [])[0];
    const share = ((Number(m.overprice_amount) / Number(m.total_cost)) * 100).toFixed(1);
    if (top) {
      parts.push(
        `其中${quoted(top.name ?? top.med_list_codg)}单价 ${yuan(top.pric)}，为同病组该项目常用单价 ${yuan(top.usual_pric)}的 ${num(top.pric / top.usual_pric)} 倍` +
          `（界限 ${num(h.threshold.min_price_ratio)} 倍），高于常用单价部分共 ${yuan(Number(m.overprice_amount))}，占总费用 ${share}%`,
      );
    }
  }
  if (findings.includes('case_mix')) {
    parts.push(
      `为同病组（${m.case_mix_group}，${h.peer?.size} 次住院）中位数 ${yuan(Number(h.peer?.median))}的 ${num(m.ratio_to_case_mix_median)} 倍` +
        `（界限 ${num(h.threshold.min_peer_ratio)} 倍），且无重症监护、ECMO、透析、放化疗等高强度治疗`,
    );
  }
  return `${head}，${parts.join('；')}；涉及金额 ${yuan(h.amount_at_risk)}`;
}
