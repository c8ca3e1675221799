import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKnowledgePointFiles, referenceKnowledgePointDir } from '../../pipeline/kb/read.ts';
import type { KbReadResult, KnowledgePoint } from '../../pipeline/kb/types.ts';
import { tempDir } from '../helpers.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// The copy shipped in data/reference is what the product reads (and what a clone has); the published originals
// in ../shared are there in the development checkout and CI, and the copy must equal them byte for byte.
const KP_DIR = referenceKnowledgePointDir();
const PUBLISHED_DIR = join(repoRoot, '..', 'shared', 'reference', 'nhsa-knowledge-points');

let real: KbReadResult;
beforeAll(async () => {
  real = await readKnowledgePointFiles([KP_DIR]);
}, 30_000);

function point(id: string): KnowledgePoint {
  const p = real.points.find((x) => x.kp_id === id);
  if (!p) throw new Error(`no point ${id}`);
  return p;
}

describe('the 14 NHSA knowledge-point files as published', () => {
  it('ships the 14 spreadsheets in data/reference, where the product reads them', () => {
    expect(KP_DIR).toBe(join(repoRoot, 'data', 'reference', 'nhsa-knowledge-points'));
    expect(readdirSync(KP_DIR).filter((f) => f.endsWith('.xlsx'))).toHaveLength(14);
  });

  it.skipIf(!existsSync(PUBLISHED_DIR))('the shipped copy is byte-identical to the published files in ../shared', () => {
    const published = readdirSync(PUBLISHED_DIR).filter((f) => f.endsWith('.xlsx')).sort();
    expect(published).toHaveLength(14);
    expect(readdirSync(KP_DIR).filter((f) => f.endsWith('.xlsx')).sort()).toEqual(published);
    for (const f of published) expect(readFileSync(join(KP_DIR, f)).equals(readFileSync(join(PUBLISHED_DIR, f)))).toBe(true);
  });

  it('recognises every file with its rule class and the published counts', () => {
    const byFile = Object.fromEntries(real.files.map((f) => [f.file, [f.rule_class, f.item_kind, f.points, f.codes]]));
    expect(byFile).toEqual({
      '【第一批】药品规则库(限定性别对象).xlsx': ['sex_limit', 'drug', 481, 6472],
      '【第一批】药品规则库(限定年龄对象).xlsx': ['child_limit', 'drug', 282, 4398],
      '【第一批】项目规则库(限定性别对象).xlsx': ['sex_limit', 'service', 390, 390],
      '【第一批】项目规则库(限定年龄对象).xlsx': ['child_limit', 'service', 30, 30],
      '【第二批】项目规则库（限定主次操作）.xlsx': ['surgery_discount', 'service', 378, 378],
      '【第三批】药品规则库（限定保险类型）.xlsx': ['insurance_type_limit', 'drug', 12, 112],
      '【第四批】药品规则库（限定就医方式）.xlsx': ['care_setting_limit', 'drug', 35, 736],
      '【第五批】药品规则库（限定机构等级）.xlsx': ['institution_level_limit', 'drug', 61, 962],
      '【第六批】药品规则库（限定支付疗程）.xlsx': ['payment_course_limit', 'drug', 30, 1147],
      '【第七批 】项目规则库（重复收费）.xlsx': ['duplicate_charge', 'service', 900, 900],
      // 67 numbered rows; rows 69 (合计) and 70 (备注) are footers, reported as skipped
      '【第八批-1】项目规则库（限定频次）.xlsx': ['daily_frequency', 'service', 67, 67],
      '【第八批-2】项目规则库（限定年龄）.xlsx': ['age_limit', 'service', 1, 1],
      '【第八批-3】项目规则库（限定疗程）.xlsx': ['course_length', 'service', 11, 11],
      '【第八批-4】项目规则库（限定周期）.xlsx': ['period_frequency', 'service', 14, 14],
    });
    const freq = real.files.find((f) => f.file.includes('第八批-1'))!;
    expect(freq.skipped_rows!.map((s) => s.row)).toEqual([69, 70]);
    expect(real.points).toHaveLength(2692);
  });

  it('reports the one inconsistent row (益气复脉: 限定值域 15天, text 14天) and nothing else', () => {
    expect(real.problems).toEqual([
      {
        file: '【第六批】药品规则库（限定支付疗程）.xlsx',
        sheet: 'Sheet1',
        row: 28,
        message: expect.stringContaining('限定值域 15天 与药品说明 14天 不一致'),
      },
    ]);
    expect(point('payment_course_limit:drug:28').max_days).toBe(15);
  });

  it('parses sex, age, insurance, level and setting limits', () => {
    const apalutamide = point('sex_limit:drug:2');
    expect(apalutamide.item_name).toBe('阿帕他胺片');
    expect(apalutamide.sex).toBe('1');
    expect(apalutamide.codes).toEqual(['XL02BBA326A001010102180', 'XL02BBA326A001010178537', 'XL02BBA326A001020278537']);
    expect(point('sex_limit:service:4')).toMatchObject({ item_name: '子宫造影', sex: '2', codes: ['002101030300000'] });
    expect(point('child_limit:service:2')).toMatchObject({ age_group: 'child', age_max: 18, codes: ['003105120040000'] });
    expect(point('child_limit:service:27')).toMatchObject({ item_name: '新生儿洗胃', age_group: 'newborn', age_max_days: 28 });
    expect(point('child_limit:service:31')).toMatchObject({ item_name: '婴幼儿健康体检', age_group: 'infant', age_max: 3 });
    expect(point('age_limit:service:2')).toMatchObject({ item_name: '职业功能训练', age_group: 'working_age', age_min: 16, age_max: 60 });
    expect(point('insurance_type_limit:drug:2')).toMatchObject({ item_name: '疤痕止痒软化膏', insurance: 'work_injury' });
    expect(point('insurance_type_limit:drug:11')).toMatchObject({ item_name: '地诺前列酮栓', insurance: 'maternity', codes: ['XG02ADD082D003010179504'] });
    expect(point('institution_level_limit:drug:2')).toMatchObject({ item_name: '艾迪注射液', min_level_tier: 2 });
    expect(point('institution_level_limit:drug:2').first_rx_only).toBeUndefined();
    expect(point('institution_level_limit:drug:55')).toMatchObject({ item_name: '度拉糖肽注射液', min_level_tier: 2, first_rx_only: true });
    expect(point('institution_level_limit:drug:58')).toMatchObject({ item_name: '地塞米松玻璃体内植入剂', min_level_tier: 3 });
    expect(point('care_setting_limit:drug:5')).toMatchObject({ item_name: '安宫牛黄丸', care_setting: 'inpatient', emergency_allowed: true });
    expect(point('care_setting_limit:drug:2').emergency_allowed).toBeUndefined();
  });

  it('parses course, frequency and period limits written as text', () => {
    expect(point('payment_course_limit:drug:2')).toMatchObject({ item_name: '奥扎格雷氨丁三醇注射用浓溶液', max_days: 14, course_measure: 'billed_days' });
    expect(point('payment_course_limit:drug:6')).toMatchObject({ item_name: '丁苯酞软胶囊', max_days: 20 });
    expect(point('payment_course_limit:drug:15')).toMatchObject({ item_name: '银杏二萜内酯葡胺注射液', max_days: 14, per_stay: true });
    expect(point('payment_course_limit:drug:31')).toMatchObject({ item_name: '帕妥珠单抗注射液', max_days: 365 });
    expect(point('course_length:service:2')).toMatchObject({ item_name: '手功能评定', max_days: 90, course_measure: 'span', min_interval_days: 14 });
    expect(point('course_length:service:5')).toMatchObject({ item_name: '减重支持系统训练', max_days: 30, course_measure: 'span' });
    expect(point('course_length:service:9')).toMatchObject({ item_name: '手功能训练', max_days: 90, course_measure: 'span' });
    expect(point('course_length:service:12')).toMatchObject({ max_days: 365, period_days: 7, period_max: 1 });
    expect(point('daily_frequency:service:3')).toMatchObject({ item_name: '住院诊查费', per_day_max: 1, per_day_unit: 'day', codes: ['001102000050000'] });
    expect(point('daily_frequency:service:33')).toMatchObject({ item_name: '呼吸机辅助呼吸', per_day_max: 24, per_day_unit: 'hour' });
    expect(point('period_frequency:service:3')).toMatchObject({ item_name: '糖化血红蛋白测定', period_days: 15, period_max: 1 });
    expect(point('period_frequency:service:15')).toMatchObject({ item_name: '康复评定', period_days: 14, period_max: 1, min_interval_days: 14 });
  });

  it('reads duplicate-charge pairs with their window and surgery groups', () => {
    expect(point('duplicate_charge:service:2')).toMatchObject({
      item_name: '急诊监护费',
      codes: ['001103000010000'],
      pair_codes: ['001102000030000'],
      pair_name: '急诊诊查费',
      pair_window: 'day',
    });
    expect(point('duplicate_charge:service:292')).toMatchObject({ pair_window: 'hours', pair_window_hours: 1 });
    expect(point('duplicate_charge:service:900')).toMatchObject({ pair_window: 'visit' });
    const windows = new Map<string, number>();
    for (const p of real.points.filter((x) => x.rule_class === 'duplicate_charge')) {
      const k = p.pair_window === 'hours' ? `${p.pair_window_hours}h` : p.pair_window!;
      windows.set(k, (windows.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries(windows)).toEqual({ day: 446, visit: 429, '1h': 7, '6h': 18 });
    expect(point('surgery_discount:service:2')).toMatchObject({ group: '胃肠手术组', codes: ['003310010140000'] });
    const groups = new Set(real.points.filter((x) => x.rule_class === 'surgery_discount').map((p) => p.group));
    expect(groups.size).toBe(7);
  });
});

describe('malformed spreadsheets', () => {
  const t = tempDir('fw-kb-');
  afterAll(() => t.cleanup());

  it('names the file, sheet and row of every row it cannot read', async () => {
    const freq = join(t.dir, '自制频次.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('频次');
    ws.addRow(['序号', '项目名称', '限制数量', '数量单位', '项目编码']);
    ws.addRow([1, '住院诊查费', 1, '日', '001102000050000']);
    ws.addRow([2, '坏数量', '若干', '日', '001102000050001']);
    ws.addRow([3, '坏单位', 2, '周', '001102000050002']);
    ws.addRow([4, '坏代码', 1, '日', 'ABC']);
    ws.addRow([5, '缺代码前导零', 1, '日', 1102000040000]);
    await wb.xlsx.writeFile(freq);

    const drug = join(t.dir, '自制药品.xlsx');
    const wb2 = new ExcelJS.Workbook();
    const s1 = wb2.addWorksheet('Sheet1');
    s1.addRow(['药品通用名', '药品说明', '限定类型', '限定对象']);
    s1.addRow(['甲药', '说明', '限定性别对象', '男']);
    s1.addRow(['乙药', '说明', '限定性别对象', '未知']);
    s1.addRow(['丙药', '说明', '限定性别对象', '女']);
    const s2 = wb2.addWorksheet('Sheet2');
    s2.addRow(['药品通用名', '序号', '国标代码', '限定类型']);
    s2.addRow(['甲药', 1, 'XL02BBA326A001010102180', '限定性别对象']);
    s2.addRow(['乙药', 1, 'XL02BBA326A001010178537', '限定性别对象']);
    s2.addRow(['甲药', 2, '12345', '限定性别对象']);
    await wb2.xlsx.writeFile(drug);

    const odd = join(t.dir, '其他.xlsx');
    const wb3 = new ExcelJS.Workbook();
    wb3.addWorksheet('X').addRow(['甲', '乙']);
    wb3.getWorksheet('X')!.addRow(['1', '2']);
    await wb3.xlsx.writeFile(odd);

    const r = await readKnowledgePointFiles([t.dir, join(t.dir, 'missing.xlsx')]);
    const problems = r.problems.map((p) => [p.file, p.sheet, p.row, p.message]);
    const has = (text: string) => expect.stringContaining(text);
    expect(problems).toEqual([
      [join(t.dir, 'missing.xlsx'), null, null, has('文件不存在')],
      ['其他.xlsx', 'X', 1, has('无法识别知识点类型')],
      ['自制药品.xlsx', 'Sheet2', 4, has('国标代码 "12345" 不是国家医保药品代码')],
      ['自制药品.xlsx', 'Sheet1', 3, has('限定对象 "未知" 无法识别')],
      ['自制药品.xlsx', 'Sheet1', 4, has('药品 "丙药" 在药品代码表中没有代码')],
      ['自制频次.xlsx', '频次', 3, has('限制数量 "若干" 不是正数')],
      ['自制频次.xlsx', '频次', 4, has('数量单位 "周" 无法识别')],
      ['自制频次.xlsx', '频次', 5, has('项目代码 "ABC" 不是15位')],
    ]);
    expect(r.points.map((p) => [p.kp_id, p.codes])).toEqual([
      ['sex_limit:drug:2', ['XL02BBA326A001010102180']],
      ['daily_frequency:service:2', ['001102000050000']],
      ['daily_frequency:service:6', ['001102000040000']],
    ]);
    expect(r.files.map((f) => [f.file, f.rule_class, f.points])).toEqual([
      ['其他.xlsx', null, 0],
      ['自制药品.xlsx', 'sex_limit', 1],
      ['自制频次.xlsx', 'daily_frequency', 2],
    ]);
  });
});
