import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TruthRow {
  case_id: string;
  scenario: string;
  family: string;
  detector_id: string;
  expect: 'alert' | 'no_alert';
  subject_type: 'person' | 'provider' | 'physician' | 'visit';
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
  month: string | null;
  note_zh: string;
}

type Keys = Partial<Pick<TruthRow, 'psn_no' | 'fixmedins_code' | 'bilg_dr_codg' | 'mdtrt_id' | 'setl_id' | 'month'>>;

/** Ground truth of the planted cases and their look-alikes: `<out>/_truth/truth.jsonl`. */
export class Truth {
  readonly rows: TruthRow[] = [];
  /** Detector ids whose positive case cannot show in this window (e.g. too little history), with the reason. */
  readonly notPlanted: Record<string, string> = {};

  skip(detector_id: string, reason: string): void {
    this.notPlanted[detector_id] = reason;
  }

  add(detector_id: string, family: string, subject_type: TruthRow['subject_type'], expect: TruthRow['expect'], scenario: string, keys: Keys, note_zh: string): void {
    const n = this.rows.filter((r) => r.detector_id === detector_id).length + 1;
    this.rows.push({
      case_id: `${detector_id}-${expect === 'alert' ? 'A' : 'N'}${String(n).padStart(3, '0')}`,
      scenario,
      family,
      detector_id,
      expect,
      subject_type,
      psn_no: keys.psn_no ?? null,
      fixmedins_code: keys.fixmedins_code ?? null,
      bilg_dr_codg: keys.bilg_dr_codg ?? null,
      mdtrt_id: keys.mdtrt_id ?? null,
      setl_id: keys.setl_id ?? null,
      month: keys.month ?? null,
      note_zh,
    });
  }

  counts(): Record<string, { alert: number; no_alert: number }> {
    const out: Record<string, { alert: number; no_alert: number }> = {};
    for (const r of this.rows) {
      const c = (out[r.detector_id] ??= { alert: 0, no_alert: 0 });
      c[r.expect]++;
    }
    return out;
  }

  write(outDir: string): void {
    mkdirSync(join(outDir, '_truth'), { recursive: true });
    writeFileSync(join(outDir, '_truth', 'truth.jsonl'), this.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(outDir, '_truth', 'not_planted.json'), JSON.stringify(this.notPlanted, null, 2) + '\n');
  }
}
