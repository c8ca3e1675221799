import type { Store } from '../../pipeline/store/store.ts';
import { checkSection, type FundwatchConfig, type JsonSchema } from '../../pipeline/config.ts';
import type { Detector, ExplainInput } from '../types.ts';
import { num, yuan } from '../../pipeline/detect/explain.ts';
import { careCodes } from '../admission/careCodes.ts';

/**
 * Share of outpatient visits on rest days (weekends that are not 调休 working days, and official holidays) far
 * above providers of the same kind and opening pattern (seven-day providers with an emergency service compare with
 * each other; admissions, emergencies and scheduled dialysis/chemo/radiotherapy sessions are left out). Calendar:
 * view holiday_calendar = the official 2025–2026 calendar shipped in migration 008 (data/reference/holidays) with
 * the overrides of config section `holidays`.
 */
export const detector: Detector = {
  id: 'weekend_holiday_activity',
  version: 2,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '机构周末及节假日就诊占比显著高于同级机构',
  title_en: 'Weekend and holiday activity far above same-level peers',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（虚构医药服务项目）',
  subject_type: 'provider',
  params: {
    min_visits: { default: 100, unit: '次', min: 30, max: 10000, description_zh: '机构最少门诊就诊量，不足不参与比较 (providers with fewer visits are skipped)' },
    min_peers: { default: 5, unit: '家', min: 3, max: 50, description_zh: '同组最少机构数，不足则不预警 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', min: 2, max: 10, description_zh: '稳健 z 分数阈值 (robust z on the share)' },
    min_share_gap: { default: 0.15, unit: 'ratio', min: 0.05, max: 0.5, description_zh: '高出同组中位数的最小占比差 (minimum share above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', min: 0.005, max: 0.1, description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
    min_emergency_share: {
      default: 0.01,
      unit: 'ratio',
      min: 0,
      max: 0.2,
      description_zh: '急诊（医疗类别 13）占就诊比例达到此值的机构视为全周开放，单独成组（·设急诊） (providers with this share of emergency visits are open seven days: own peer group)',
    },
    scheduled_diag_prefixes: {
      default: careCodes('cycle-care-codes.csv', 'diag', { without: ['O80', 'O81', 'O82', 'O83', 'O84', 'Z37'] }),
      unit: 'list',
      description_zh: '按计划排班的治疗（透析、放化疗）诊断前缀，此类就诊不计入占比 (scheduled sessions left out: diagnosis prefixes)',
    },
    scheduled_oprn_prefixes: {
      default: careCodes('cycle-care-codes.csv', 'oprn'),
      unit: 'list',
      description_zh: '按计划排班的治疗手术操作前缀（血液/腹膜透析、放疗、化疗），此类就诊不计入占比 (scheduled sessions left out: ICD-9-CM-3 prefixes)',
    },
  },
  lookbackDays: 0,
  sql: 'provider_pattern/weekend_holiday_activity.sql',
  prepare: applyHolidayConfig,
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;
  const gap = ((Number(m.share) - Number(h.peer?.median)) * 100).toFixed(1);
  return (
    `${m.period_from} 至 ${m.period_to} 门诊就诊 ${m.visits} 人次中 ${m.rest_day_visits} 人次在周末或法定节假日，占 ${pct(m.share)}，` +
    `同组（${h.peer?.group}，${h.peer?.size} 家）中位数 ${pct(h.peer?.median)}，高出 ${gap} 个百分点（界限 ${num(Number(h.threshold.min_share_gap) * 100)} 个百分点）；` +
    `估算超出部分金额 ${yuan(h.amount_at_risk)}`
  );
}

export interface HolidayConfig {
  /** Dates that are rest days (YYYY-MM-DD). */
  holidays?: string[];
  /** Dates that are working days (调休上班). */
  workdays?: string[];
  /** Dates whose official entry is dropped (they follow the weekday rule). */
  normal?: string[];
}

/**
 * Rewrites table holiday_override from config section `holidays` (see data/reference/holidays/README.md).
 * Bad entries throw, naming the key and value.
 */
const DAYS: JsonSchema = { type: 'array', items: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } };
export const HOLIDAYS_SCHEMA: JsonSchema = { type: 'object', additionalProperties: false, properties: { holidays: DAYS, workdays: DAYS, normal: DAYS } };

export async function applyHolidayConfig(store: Store, config: FundwatchConfig): Promise<void> {
  const section = checkSection<HolidayConfig>(config, 'holidays', HOLIDAYS_SCHEMA);
  const rows: [string, string][] = [];
  const seen = new Map<string, string>();
  for (const kind of ['holidays', 'workdays', 'normal'] as const) {
    const list = section[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new Error(`配置项 holidays.${kind} 必须是日期数组 (config holidays.${kind} must be an array of YYYY-MM-DD)`);
    for (const day of list) {
      if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) {
        throw new Error(`配置项 holidays.${kind} 日期无效 (config holidays.${kind}: bad date ${JSON.stringify(day)})`);
      }
      const k = kind === 'holidays' ? 'holiday' : kind === 'workdays' ? 'workday' : 'normal';
      const before = seen.get(day);
      if (before && before !== k) throw new Error(`配置项 holidays: ${day} 同时列为 ${before} 与 ${k} (listed twice with different kinds)`);
      if (!before) rows.push([day, k]);
      seen.set(day, k);
    }
  }
  await store.run('DELETE FROM holiday_override');
  for (const [day, kind] of rows) await store.run('INSERT INTO holiday_override VALUES ($1::DATE, $2)', [day, kind]);
}
