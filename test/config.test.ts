import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../pipeline/config.ts';
import { tempDir } from './helpers.ts';

describe('fundwatch.config.json', () => {
  const dirs: { cleanup: () => void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
  const write = (text: string) => {
    const d = tempDir('fw-config-');
    dirs.push(d);
    const file = join(d.dir, 'fundwatch.config.json');
    writeFileSync(file, text);
    return file;
  };

  it('reads the example config shipped with the project', () => {
    const config = loadConfig(join(import.meta.dirname, '..', 'fundwatch.config.example.json'));
    expect(Object.keys(config).sort()).toEqual(['cases', 'detectors', 'early_warning', 'holidays', 'ingest', 'nightly', 'redis', 'referrals', 'server']);
  });

  it('refuses an unknown section by name (a typo would otherwise be ignored silently); $ and _ keys are comments', () => {
    const file = write(JSON.stringify({ $schema: 'x', _comment: 'ok', case: { appeal_days: 10 } }));
    expect(() => loadConfig(file)).toThrow('无法识别的配置节 unknown section "case"');
    expect(loadConfig(write(JSON.stringify({ _comment: 'ok', cases: { appeal_days: 10 } })))).toEqual({ _comment: 'ok', cases: { appeal_days: 10 } });
  });

  it('says which file is missing or broken', () => {
    expect(() => loadConfig('/nonexistent/fw.json')).toThrow('配置文件不存在 config file not found: /nonexistent/fw.json');
    const file = write('{"cases": ');
    expect(() => loadConfig(file)).toThrow(`配置文件格式错误 invalid config ${file}`);
    expect(() => loadConfig(write('[1]'))).toThrow('top level must be an object');
  });
});
