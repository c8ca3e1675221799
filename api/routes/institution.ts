import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { blobValue } from '@duckdb/node-api';
import { HttpError, idParams, notFound, type AppDeps } from '../context.ts';
import { ts } from '../sql.ts';
import { writeAudit } from '../../pipeline/access/audit.ts';
import { appealCase } from '../../pipeline/cases/lifecycle.ts';
import { casesConfig } from '../../pipeline/cases/config.ts';

const MAX_ATTACHMENT = 10 * 1024 * 1024;
const MAX_ATTACHMENTS = 5;

/** The institution's view: the findings of its own decided cases, and appeals (申诉) before the deadline. */
export function registerInstitutionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store, reads } = deps;
  const appealDays = () => casesConfig(deps.config).appeal_days;

  const caseCols = () => `case_id, subject_type, fixmedins_code, bilg_dr_codg, admdvs, status, decision, confirmed_amount::DOUBLE AS confirmed_amount,
    recovered_amount::DOUBLE AS recovered_amount, deducted_amount::DOUBLE AS deducted_amount, fined_amount::DOUBLE AS fined_amount,
    ${ts('decided_at')} AS decided_at, ${ts(`decided_at + to_days(${appealDays()})`)} AS appeal_deadline,
    decided_at + to_days(${appealDays()}) > now() AND status = 'decided' AND decision <> 'false_alarm' AS can_appeal`;
  const own = `fixmedins_code = $1 AND decision IS NOT NULL AND decision <> 'false_alarm' AND status IN ('decided', 'appeal', 'closed')`;

  app.get('/api/v1/institution/cases', { config: { action: 'institution.read' }, schema: { tags: ['institution'], summary: '本机构已决定案件 own decided cases' } }, async (req) => ({
    items: await reads.all(`SELECT ${caseCols()} FROM cases WHERE ${own} ORDER BY decided_at DESC, case_id`, [institutionOf(req)]),
  }));

  app.get<{ Params: { id: string } }>('/api/v1/institution/cases/:id', {
    config: { action: 'institution.read' }, schema: { tags: ['institution'], summary: '本机构案件的查实问题 findings of an own decided case', params: idParams() },
  }, async (req) => {
    const c = await reads.one(`SELECT ${caseCols()} FROM cases WHERE ${own} AND case_id = $2`, [institutionOf(req), req.params.id]);
    if (!c) throw notFound(`案件 case ${req.params.id}`);
    const findings = await reads.all(
      `SELECT a.alert_id, a.detector_id, a.gz_code, a.title_zh, a.result_type, a.legal_basis, a.mdtrt_id, a.setl_id, a.feedetl_sn,
         a.amount_at_risk::DOUBLE AS amount_at_risk, a.activity_date::VARCHAR AS activity_date
       FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE ca.case_id = $1 AND a.status = 'open' ORDER BY a.amount_at_risk DESC, a.alert_id`,
      [req.params.id]);
    const appeals = await reads.all(
      `SELECT a.appeal_id, a.reason, a.actor, ${ts('a.filed_at')} AS filed_at,
         (SELECT list(file_name ORDER BY file_name) FROM appeal_attachments t WHERE t.appeal_id = a.appeal_id) AS attachments
       FROM appeals a WHERE a.case_id = $1 ORDER BY a.filed_at`, [req.params.id]);
    return { case: c, findings, appeals };
  });

  app.post<{ Params: { id: string } }>('/api/v1/institution/cases/:id/appeals', {
    config: { action: 'institution.appeal' },
    schema: { tags: ['institution'], summary: '提出申诉 file an appeal (multipart: field reason + attachments)', params: idParams(), consumes: ['multipart/form-data'] },
  }, async (req, reply) => {
    const inst = institutionOf(req);
    const c = await store.one<{ case_id: string }>(`SELECT case_id FROM cases WHERE ${own} AND case_id = $2`, [inst, req.params.id]);
    if (!c) throw notFound(`案件 case ${req.params.id}`);
    if (!req.isMultipart()) throw new HttpError(415, '须以 multipart/form-data 提交 (submit as multipart/form-data)');
    let reason = '';
    const files: { name: string; type: string; data: Buffer }[] = [];
    for await (const part of req.parts({ limits: { fileSize: MAX_ATTACHMENT, files: MAX_ATTACHMENTS } })) {
      if (part.type === 'field') {
        if (part.fieldname === 'reason') reason = String(part.value ?? '');
        continue;
      }
      const data = await part.toBuffer();
      const name = (part.filename ?? '').replace(/[\\/]/g, '_').slice(0, 200);
      if (!name) throw new HttpError(400, '附件须有文件名 attachment needs a file name');
      files.push({ name, type: part.mimetype, data });
    }
    if (!reason.trim() || reason.length > 5000) throw new HttpError(400, '须填写申诉理由（不超过 5000 字）appeal reason required (max 5000 chars)');
    await appealCase(store, c.case_id, { actor: req.user!.user_id, role: 'institution' }, reason, casesConfig(deps.config));
    const appealId = `AP${randomBytes(8).toString('hex')}`;
    await store.transaction(async () => {
      await store.run('INSERT INTO appeals VALUES ($1, $2, $3, $4, $5, now())', [appealId, c.case_id, inst, req.user!.user_id, reason]);
      for (const f of files) {
        await store.run('INSERT INTO appeal_attachments VALUES ($1, $2, $3, $4, $5, $6)', [
          appealId, f.name, f.type, f.data.length, createHash('sha256').update(f.data).digest('hex'), blobValue(new Uint8Array(f.data)),
        ]);
      }
      await writeAudit(store, { actor: req.user!.user_id, action: 'appeal', object_type: 'case', object_id: c.case_id, detail: { appeal_id: appealId, attachments: files.map((f) => f.name) } });
    });
    return reply.code(201).send({ appeal_id: appealId, case_id: c.case_id, attachments: files.map((f) => ({ file_name: f.name, size_bytes: f.data.length })) });
  });
}

function institutionOf(req: FastifyRequest): string {
  const inst = req.user!.institution;
  if (!inst) throw new HttpError(403, '账号未绑定机构 account has no institution');
  return inst;
}
