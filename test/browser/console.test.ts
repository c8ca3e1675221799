import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { seedStore, testServer } from '../api/seed.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('web console in headless Chromium', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let cases: Record<string, string>;
  let passwords: Record<string, string>;
  const redis = testRedis();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const t = await tempStore();
    store = t.store;
    cleanup = t.cleanup;
    ({ cases, passwords } = await seedStore(store));
    await dispatchCases(store, redis.settings);
    app = await testServer(store, t.dir, redis.settings);
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

  it('an inspector logs in, takes the next case, reads its evidence, decides it, and sees history and audit', async () => {
    const page = await login('insp');
    await page.waitForSelector('#take-next');
    expect(await page.textContent('#banners')).toContain('知识库为空');
    await page.click('#take-next');
    await page.waitForSelector('#evidence');
    const caseId = decodeURIComponent(page.url().split('#/cases/')[1]!);
    expect(Object.values(cases)).toContain(caseId);
    const taken = await store.one<{ status: string; assignee: string }>('SELECT status, assignee FROM cases WHERE case_id = $1', [caseId]);
    expect(taken).toEqual({ status: 'assigned', assignee: 'insp' });
    const offending = await page.$$eval('#evidence tr.offending', (rows) => rows.map((r) => r.querySelector('td')!.textContent));
    const expected = await store.all<{ f: string }>(
      `SELECT DISTINCT unnest(a.feedetl_sn) AS f FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE ca.case_id = $1 ORDER BY f`, [caseId]);
    expect(offending.sort()).toEqual(expected.map((r) => r.f));
    expect(await page.textContent('#sla')).toMatch(/小时剩余/);
    await page.waitForSelector('#peer-chart canvas');
    await page.screenshot({ path: join(ARTIFACTS, 'case-detail.png'), fullPage: true });

    // My queue: the taken case with its SLA clock (10 days from opening).
    await page.goto(base + '/#/queue');
    await page.waitForSelector('#mine tr[data-case]');
    expect(await page.$$eval('#mine tr[data-case]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.case))).toEqual([caseId]);
    expect(await page.textContent('#mine .sla')).toMatch(/^\d+(\.\d)? 小时剩余$/);
    await page.screenshot({ path: join(ARTIFACTS, 'queue.png') });
    await page.click('#mine tr[data-case]');
    await page.waitForSelector('#btn-review');

    await page.click('#btn-review');
    await page.waitForSelector('#decide-form');
    await page.selectOption('#decide-form select[name=decision]', 'false_alarm');
    await page.fill('#decide-form textarea[name=reason]', '核实为合理收费，误报');
    await page.click('#decide-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#events')?.textContent?.includes('decide'));
    const history = await page.$$eval('#events tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(history.at(-1)).toContain('核实为合理收费，误报');
    expect(history.map((h) => /(open|take|review|decide)/.exec(h)?.[1])).toEqual(['open', 'take', 'review', 'decide']);
    expect(await store.one('SELECT status, decision, decided_by FROM cases WHERE case_id = $1', [caseId])).toEqual({ status: 'decided', decision: 'false_alarm', decided_by: 'insp' });
    await page.close();

    const sup = await login('super1');
    await sup.goto(base + '/#/audit');
    await sup.waitForSelector('#audit');
    const audit = await sup.$$eval('#audit tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(audit.some((r) => r.includes('case_decide') && r.includes(caseId) && r.includes('insp'))).toBe(true);
    await sup.goto(base + '/#/dashboard');
    await sup.waitForSelector('#ch-family canvas');
    await sup.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await sup.goto(base + '/#/rankings');
    await sup.waitForSelector('#ch-rank canvas');
    expect(await sup.$$eval('#rankings tr[data-fix]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.fix))).toEqual(['H1', 'H3']);
    expect(await sup.textContent('#rankings')).toContain('第一医院');
    await sup.screenshot({ path: join(ARTIFACTS, 'rankings.png'), fullPage: true });
    await sup.click('#rankings tr[data-fix="H3"]');
    await sup.waitForFunction(() => location.hash.startsWith('#/cases?fixmedins_code=H3') && document.querySelectorAll('#list tr[data-case]').length === 1);
    expect(await sup.$eval('#list tr[data-case]', (tr) => (tr as HTMLElement).dataset.case)).toBe(cases.H3);
    await sup.goto(base + '/#/runs');
    await sup.waitForSelector('#runs');
    await sup.screenshot({ path: join(ARTIFACTS, 'runs.png') });
    await sup.click('#lang');
    await sup.waitForFunction(() => document.querySelector('#nav')?.textContent?.includes('Dashboard'));
    await sup.close();
  });

  it('a slow first page does not overwrite the page asked for after it (latest navigation wins)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
    // The queue (a supervisor's first page after login) answers 1.5 s late, after the audit page asked for next.
    const isQueue = (u: URL) => u.pathname === '/api/v1/cases' && u.searchParams.get('assignee') === 'me';
    await page.route(isQueue, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.goto(base + '/');
    await page.fill('input[name=name]', 'super1');
    await page.fill('input[name=password]', passwords.super1!);
    const queueAsked = page.waitForRequest((r) => isQueue(new URL(r.url())));
    const queueAnswered = page.waitForResponse((r) => isQueue(new URL(r.url())));
    await page.click('button[type=submit]');
    await queueAsked; // the queue view is waiting for its data (navigating earlier would cancel it before it asks)
    await page.goto(base + '/#/audit');
    await page.waitForSelector('#audit');
    await queueAnswered;
    await page.waitForTimeout(300);
    expect(await page.$('#audit')).not.toBeNull();
    expect(await page.$('#take-next')).toBeNull();
    await page.close();
  });

  it('the case list filters through the URL and opens a case', async () => {
    const page = await login('expert1');
    await page.goto(base + '/#/cases?subject_type=person');
    await page.waitForSelector('#list tr[data-case]');
    expect(await page.$$eval('#list tr[data-case]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.case))).toEqual([cases.P1]);
    await page.screenshot({ path: join(ARTIFACTS, 'cases.png') });
    await page.click('#list tr[data-case]');
    await page.waitForSelector('#person-name');
    expect(await page.textContent('#person-name')).toBe('张**');
    await page.click('#unmask');
    await page.waitForFunction(() => document.querySelector('#person-name')?.textContent === '张三丰');
    expect(await store.one(`SELECT actor, object_id FROM audit_log WHERE action = 'unmasked_read' ORDER BY "at" DESC LIMIT 1`)).toEqual({ actor: 'expert1', object_id: 'P1' });
    await page.close();
  });

  it('a civil-affairs account sees only its referrals', async () => {
    const page = await login('civil421');
    expect(await page.$$eval('#nav a', (as) => as.map((a) => a.getAttribute('href')))).toEqual(['#/referrals', '/docs']);
    await page.waitForSelector('#referrals');
    const rows = await page.$$eval('#referrals tr[data-ref]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.ref));
    expect(rows).toEqual(['RF1']);
    expect(await page.textContent('#referrals')).toContain('张**');
    expect(await page.textContent('#referrals')).not.toContain('张三丰');
    await page.screenshot({ path: join(ARTIFACTS, 'referrals-civil-affairs.png') });
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/referrals/RF1/outcome') && r.status() === 201),
      page.selectOption('select[data-outcome="RF1"]', 'received'),
    ]);
    expect(await store.all('SELECT referral_id, outcome, actor FROM referral_outcomes')).toEqual([{ referral_id: 'RF1', outcome: 'received', actor: 'civil421' }]);
    const res = await page.evaluate(async () => (await fetch('/api/v1/cases')).status);
    expect(res).toBe(403);
    await page.close();
  });
});
