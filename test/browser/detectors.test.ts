import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { testRedis } from '../queue/redis-test.ts';
import { testServer } from '../api/seed.ts';
import { decidedHistory, JAN, SHADOW } from '../detectors/framework/shadowFixture.ts';
import { storeWithRealKb } from '../detectors/billing/kbStore.ts';
import { runDetection } from '../../pipeline/detect/engine.ts';
import { addUser } from '../../pipeline/access/users.ts';
import type { Store } from '../../pipeline/store/store.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The console's detector page: shadow precision, and a supervisor's backtest (current vs trial, added / removed). */
describe('detector page in headless Chromium', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const passwords: Record<string, string> = {};
  const redis = testRedis();

  beforeAll(async () => {
    ({ store, cleanup } = await storeWithRealKb());
    await decidedHistory(store);
    await runDetection(store, { ...JAN, detectors: ['kp_sex_limit'], config: SHADOW });
    for (const [name, role] of [['super1', 'supervisor'], ['insp', 'inspector']] as const) passwords[name] = (await addUser(store, { name, role }, 'test')).password;
    app = await testServer(store, dirname(store.path), redis.settings, { config: SHADOW });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  async function login(name: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
    await page.goto(base + '/');
    await page.fill('input[name=name]', name);
    await page.fill('input[name=password]', passwords[name]!);
    await page.click('button[type=submit]');
    await page.waitForSelector('#nav a');
    return page;
  }

  it('lists the detectors; a detector in shadow shows its shadow precision and its shadow alerts with their sentence', async () => {
    const page = await login('insp');
    await page.click('#nav a[href="#/detectors"]');
    await page.waitForSelector('#detectors tr[data-det="kp_sex_limit"]');
    await page.click('#detectors tr[data-det="kp_sex_limit"]');
    await page.waitForSelector('#shadow-precision');
    expect(await page.textContent('#shadow-precision')).toBe('50.0%');
    expect(await page.textContent('#shadow-badge')).toContain('影子运行');
    expect(await page.textContent('#shadow-card')).toContain('参保人为男性，"子宫造影"限女性使用；2026-01-05 收费 1 次，金额 120.00 元');
    expect(await page.$('#bt-form')).toBeNull(); // inspectors do not backtest
    await page.close();
  });

  it('a supervisor backtests a parameter and sees current vs trial with the removed alert and its sentence', async () => {
    const page = await login('super1');
    await page.goto(base + '/#/detectors/kp_child_limit');
    await page.waitForSelector('#bt-form');
    await page.fill('#bt-form input[name=child_max_age]', '19');
    await page.click('#bt-form button[type=submit]');
    await page.waitForSelector('#bt-summary');
    expect([await page.textContent('#bt-added'), await page.textContent('#bt-removed')]).toEqual(['0', '1']);
    expect(await page.textContent('#bt-summary')).toContain('child_max_age: 18 → 19');
    expect(await page.$('#shadow-card')).toBeNull(); // never in shadow
    expect(await page.textContent('#bt-result')).toContain('参保人收费时年龄 18 周岁，"儿童前牙树脂冠修复"限儿童（未满 18 周岁）使用');
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM alerts WHERE detector_id = 'kp_child_limit'`)).toBe(0);
    await page.close();
  });
});
