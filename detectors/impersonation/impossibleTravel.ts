import type { Detector } from '../types.ts';
import { minute, num, yuan } from './text.ts';

/**
 * Consecutive uses of one card at providers too far apart for the time between them (implied door-to-door speed):
 * 冒名就医. The trip runs from leaving the earlier provider (the visit's end, or its settlement if earlier — a bill
 * paid later in the app does not place the person) to registering at the later one. Road and regional rail are
 * judged at max_speed_kmh; longer trips may go by high-speed rail or air (long_distance_overhead_minutes +
 * distance ÷ long_distance_speed_kmh). Online (互联网医院) and delivery visits do not place the person.
 */
export const detector: Detector = {
  id: 'impossible_travel',
  version: 2,
  family: 'impersonation',
  gz_code: null,
  title_zh: '异地就医时间距离不可能（疑似冒名就医）',
  title_en: 'Settlements at providers too far apart for the time between them (impossible travel)',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医骗取医保基金）',
  subject_type: 'person',
  params: {
    min_distance_km: {
      default: 50,
      unit: '公里',
      min: 10, max: 500,
      description_zh: '两家机构直线距离（haversine）不少于此值才比较，同城往来不计，取值 10–500 (minimum great-circle distance)',
    },
    max_speed_kmh: {
      default: 120,
      unit: '公里/小时',
      min: 60, max: 200,
      description_zh:
        '地面交通（汽车、城际铁路）门到门最高直线速度，取值 60–200；按离开前一机构（就诊结束或结算，取早者）到后一机构挂号就诊计 (door-to-door road/rail speed on the great circle)',
    },
    long_distance_overhead_minutes: {
      default: 90,
      unit: '分钟',
      min: 30, max: 300,
      description_zh: '高铁、航空出行往返车站机场的最少时间，取值 30–300 (getting to and from the station or airport)',
    },
    long_distance_speed_kmh: {
      default: 500,
      unit: '公里/小时',
      min: 200, max: 900,
      description_zh: '高铁、航空的直线速度，取值 200–900 (rail or air speed on the great circle)',
    },
    online_markers: {
      default: '互联网,远程,线上,配送,送药',
      unit: '关键词',
      description_zh:
        '就诊科室或机构名称含这些词（逗号分隔）的结算为线上诊疗或送药上门，不代表本人所在地，不参与比较 (online care and delivery: contract fallback for mdtrt_mode)',
    },
  },
  lookbackDays: 1,
  sql: 'impersonation/impossible_travel.sql',
  explain: (hit) => {
    const m = hit.measured;
    const speed = m.speed_kmh === null || m.speed_kmh === undefined ? '两地就诊时间重叠' : `折合时速 ${num(m.speed_kmh)} 公里`;
    return (
      `同一参保人 ${minute(m.earlier_departure)} 离开 ${m.earlier_fixmedins_name ?? m.earlier_fixmedins_code} 后，` +
      `${num(m.gap_minutes)} 分钟后（${minute(m.visit_begin).slice(11)}）即在相距 ${num(m.distance_km)} 公里的 ${m.fixmedins_name ?? hit.fixmedins_code} 就诊，` +
      `${speed}，而门到门至少需 ${num(m.min_travel_minutes)} 分钟；本次金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
