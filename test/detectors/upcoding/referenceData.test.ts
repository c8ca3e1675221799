import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { buildMigration008 } from '../../../data/reference/chs-drg/build-migration-008.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

it('migration 008 is the one generated from data/reference (CHS-DRG MCC/CC lists, holiday calendar)', () => {
  const onDisk = readFileSync(new URL('../../../sql/schema/008_statistical.sql', import.meta.url), 'utf8');
  expect(onDisk).toBe(buildMigration008());
});

it('loads every MCC/CC code and the 2025–2026 calendar', async () => {
  expect(await store.all('SELECT severity, count(*)::INTEGER AS n FROM ref_drg_cc GROUP BY 1 ORDER BY 1')).toEqual([
    { severity: 'CC', n: 16568 },
    { severity: 'MCC', n: 4678 },
  ]);
  expect(await store.all("SELECT code, severity, excl_group FROM ref_drg_cc WHERE code IN ('A01.100', 'J18.900') ORDER BY code")).toEqual([
    { code: 'A01.100', severity: 'MCC', excl_group: '1' },
    { code: 'J18.900', severity: 'CC', excl_group: '101' },
  ]);
  const days = await store.all<{ y: number; kind: string; n: number }>(
    'SELECT year(day)::INTEGER AS y, kind, count(*)::INTEGER AS n FROM holiday_calendar GROUP BY ALL ORDER BY ALL',
  );
  // 2025: 1 + 8 + 3 + 5 + 3 + 8 rest days, 5 调休 working days; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7, 6 working days
  expect(days).toEqual([
    { y: 2025, kind: 'holiday', n: 28 },
    { y: 2025, kind: 'workday', n: 5 },
    { y: 2026, kind: 'holiday', n: 33 },
    { y: 2026, kind: 'workday', n: 6 },
  ]);
  expect(await store.scalar("SELECT fw_level_tier('08') || '/' || fw_level_tier('13') || '/' || fw_level_tier('02') || '/' || fw_level_tier('11')")).toBe(
    '一级/二级/三级/hosp_lv 11',
  );
});
