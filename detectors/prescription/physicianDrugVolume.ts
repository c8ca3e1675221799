import type { Detector } from '../types.ts';

/** A physician's volume of one drug far above the physicians prescribing it (NHSA: nicotinamide at 200×). */
export const detector: Detector = {
  id: 'physician_drug_volume',
  version: 1,
  family: 'prescription',
  gz_code: null,
  title_zh: '医师单一药品开药量显著高于同行',
  title_en: "Physician's volume of one drug far above peers",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'physician',
  params: {
    min_peers: { default: 10, unit: '人', description_zh: '开具该药的最少医师数，不足则跳过 (drugs with fewer prescribing physicians are skipped)' },
    z_threshold: { default: 2.5, unit: 'z', description_zh: 'ln(用量) 稳健 z 分数阈值 (robust z on ln volume)' },
    min_ratio: { default: 30, unit: 'ratio', description_zh: '用量 / 同行中位数 下限 (volume ÷ peer median)' },
    spread_floor: { default: 0.1, unit: 'ln', description_zh: 'z 分母下限 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 0,
  sql: 'prescription/physician_drug_volume.sql',
};
