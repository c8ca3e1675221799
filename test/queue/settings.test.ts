import { describe, expect, it } from 'vitest';
import { redisSettings } from '../../pipeline/queue/redis.ts';
import { referralsConfig } from '../../pipeline/referrals/config.ts';
import { earlyWarningConfig } from '../../pipeline/warning/config.ts';
import { casesConfig } from '../../pipeline/cases/config.ts';

describe('settings', () => {
  it('reads Redis from config, the env URL winning', () => {
    expect(redisSettings({}, {})).toEqual({ host: '127.0.0.1', port: 6379, db: 0, password: undefined, prefix: 'fundwatch' });
    expect(redisSettings({ redis: { host: 'r1', port: 6380, db: 2, prefix: 'fw2' } }, {})).toMatchObject({ host: 'r1', port: 6380, db: 2, prefix: 'fw2' });
    expect(redisSettings({ redis: { prefix: 'p' } }, { FUNDWATCH_REDIS_URL: 'redis://u:p%40ss@cache:7000/3' })).toEqual({
      host: 'cache', port: 7000, db: 3, username: 'u', password: 'p@ss', prefix: 'p',
    });
    expect(() => redisSettings({}, { FUNDWATCH_REDIS_URL: 'not a url' })).toThrow(/invalid Redis URL/);
  });

  it('validates the departments, thresholds and case parameters', () => {
    expect(() => referralsConfig({ referrals: { departments: [{ department: 'civil_affairs', webhook: { url: 'http://x' } }] } }, {})).toThrow(/secret/);
    const rc = referralsConfig({ referrals: { departments: [{ department: 'civil_affairs', regions: ['421000'], webhook: { url: 'http://x', secret_env: 'S' } }] } }, { S: 'k' });
    expect(rc.departments[0]).toEqual({ id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], webhook: { url: 'http://x', secret: 'k' }, file_drop: false, full_id: false });
    expect(() => referralsConfig({ referrals: { departments: [{ id: 'a:b', department: 'x' }] } }, {})).toThrow(/no ':'/);
    expect(earlyWarningConfig({}).thresholds).toEqual({ extreme_poverty: 10000, subsistence: 10000, near_subsistence: 10000, monitored: 10000, poverty_alleviated: 10000, catastrophic_illness: 10000, general: 50000 });
    expect(earlyWarningConfig({ early_warning: { thresholds: { general: 26000 } } }).thresholds.general).toBe(26000);
    expect(() => earlyWarningConfig({ early_warning: { step: -1 } })).toThrow(/early_warning.step/);
    expect(() => casesConfig({ cases: { appeal_days: 'x' } })).toThrow(/cases.appeal_days/);
  });
});
