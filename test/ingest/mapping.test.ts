import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { loadMapping } from '../../pipeline/ingest/mapping.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, writeCsv, writeCsvBatch } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('column-mapping profiles', () => {
  it('renames headers, maps code values and names tables for other file names', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    const b = baseBatch();
    writeCsvBatch(d.dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    // A vendor export: Chinese headers, 西药/床位 instead of list_type codes, GBK, not named after the table.
    const rows = [
      { 明细流水号: 'F1', 就诊ID: 'V1', 结算ID: 'S1', 费用发生时间: '2026-01-06 10:00:00', 医保目录编码: 'X1', 目录类别: '西药', 数量: '2', 单价: '10', 明细项目费用总额: '20', 备注: '外部列' },
      { 明细流水号: 'F2', 就诊ID: 'V1', 结算ID: 'S1', 费用发生时间: '2026-01-06 11:00:00', 医保目录编码: '001102000050000', 目录类别: '医疗服务', 数量: '1', 单价: '10', 明细项目费用总额: '10', 备注: '' },
      { 明细流水号: 'F3', 就诊ID: 'V1', 结算ID: 'S1', 费用发生时间: '2026-01-06 12:00:00', 医保目录编码: 'X2', 目录类别: '其他', 数量: '1', 单价: '5', 明细项目费用总额: '5', 备注: '' },
    ];
    writeCsv(d.dir, 'feiyong.csv', rows, { encoding: 'gbk' });
    const profile = join(d.dir, '_profile.json');
    writeFileSync(profile, JSON.stringify({
      tables: {
        fee_list_d: {
          columns: { 明细流水号: 'feedetl_sn', 就诊ID: 'mdtrt_id', 结算ID: 'setl_id', 费用发生时间: 'fee_ocur_time', 医保目录编码: 'med_list_codg', 目录类别: 'list_type', 数量: 'cnt', 单价: 'pric', 明细项目费用总额: 'det_item_fee_sumamt' },
          values: { list_type: { 西药: '101', 医疗服务: '201' } },
        },
      },
      files: { 'feiyong.csv': 'fee_list_d' },
    }));
    const sum = await ingestBatch(s.store, d.dir, { mapping: profile });
    expect(sum.tables.fee_list_d).toMatchObject({ read: 3, loaded: 3, rejected: 0, warnings: 1 });
    expect(await s.store.all(`SELECT feedetl_sn, list_type, det_item_fee_sumamt::DOUBLE AS amt FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', list_type: '101', amt: 20 },
      { feedetl_sn: 'F2', list_type: '201', amt: 10 },
      { feedetl_sn: 'F3', list_type: '其他', amt: 5 },
    ]);
    const r = await s.store.one<{ file: string; row_number: number; field: string; reason_code: string; raw: string }>(
      `SELECT file, row_number, field, reason_code, raw::VARCHAR AS raw FROM rejects`,
    );
    expect(r).toMatchObject({ file: 'feiyong.csv', row_number: 3, field: 'list_type', reason_code: 'unknown_code' });
    expect(JSON.parse(r!.raw)).toMatchObject({ 明细流水号: 'F3', 目录类别: '其他', 备注: null });
    expect(await s.store.scalar(`SELECT mapping_profile FROM batches`)).toBe(profile);
  });

  it('reports a broken profile in one line naming the problem', async () => {
    const d = tempDir('fw-prof-');
    cleanups.push(d.cleanup);
    const write = (name: string, text: string) => {
      const p = join(d.dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [string, RegExp][] = [
      [write('a.json', '{"tables": '), /^映射配置不是合法 JSON invalid mapping profile .*a\.json: /],
      [write('b.json', '{"tables": {"fee_list": {}}}'), /tables\.fee_list: unknown table/],
      [write('c.json', '{"tables": {"fee_list_d": {"columns": {"流水号": "feedetl"}}}}'), /tables\.fee_list_d\.columns\.流水号: "feedetl" is not a field of fee_list_d/],
      [write('d.json', '{"tables": {"fee_list_d": {"values": {"list_type": ["101"]}}}}'), /tables\.fee_list_d\.values\.list_type: must be an object/],
      [write('e.json', '{"files": {"x.csv": "nope"}}'), /files\.x\.csv: unknown table "nope"/],
      [write('f.json', '[]'), /\(top level\): must be a JSON object/],
      [write('g.json', '{"tabels": {}}'), /tabels: unknown key/],
    ];
    for (const [path, re] of cases) {
      let message = '';
      try {
        loadMapping(path);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(re);
      expect(message).not.toContain('\n');
    }
  });

  it('a broken profile fails the ingest before anything is read', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    const profile = join(d.dir, '_p.json');
    writeFileSync(profile, '{"tables": {"fee_list_d": {"columns": {"a": 1}}}}');
    await expect(ingestBatch(s.store, d.dir, { mapping: profile })).rejects.toThrow(/tables\.fee_list_d\.columns\.a: target must be a string/);
    expect(await s.store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d`)).toBe(0);
  });
});
