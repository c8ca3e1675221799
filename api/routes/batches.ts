import type { FastifyInstance } from 'fastify';
import { createWriteStream, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { HttpError, S, actorOf, idParams, notFound, type AppDeps } from '../context.ts';
import { auditNow } from '../../pipeline/access/audit.ts';
import { ts } from '../sql.ts';
import { mayUnmask } from '../../pipeline/access/policy.ts';
import { maskRaw } from '../../pipeline/access/mask.ts';
import { ARCHIVE_FILE, ArchiveError, unpackBatchArchive } from '../batch-archive.ts';

const TABLE_FILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.(csv|txt|tsv|parquet|json|jsonl)$/;

export function registerBatchRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store, reads } = deps;

  app.get<{ Querystring: { limit: number; offset: number } }>('/api/v1/batches', {
    config: { action: 'batches.read' },
    schema: { tags: ['batches'], summary: '批次列表 batches', querystring: { type: 'object', additionalProperties: false, properties: { limit: S.limit, offset: S.offset } } },
  }, async (req) => {
    const items = await reads.all(
      `SELECT batch_id, source_dir, status, ${ts('started_at')} AS started_at, ${ts('finished_at')} AS finished_at, error,
         (SELECT count(*) FROM rejects r WHERE r.batch_id = b.batch_id AND r.severity = 'error')::INTEGER AS rejected_rows,
         (SELECT count(*) FROM rejects r WHERE r.batch_id = b.batch_id AND r.severity = 'warning')::INTEGER AS warning_rows
       FROM batches b ORDER BY started_at DESC, batch_id LIMIT ${req.query.limit} OFFSET ${req.query.offset}`,
    );
    const pending = await reads.all(`SELECT dir, run_id, status, ${ts('taken_at')} AS taken_at FROM nightly_inbox WHERE status = 'taken' ORDER BY dir`);
    return { items, inbox_pending: pending };
  });

  app.get<{ Params: { id: string } }>('/api/v1/batches/:id', { config: { action: 'batches.read' }, schema: { tags: ['batches'], summary: '批次状态 batch status and ingest summary', params: idParams() } }, async (req) => {
    const b = await reads.one(
      `SELECT batch_id, source_dir, status, ${ts('started_at')} AS started_at, ${ts('finished_at')} AS finished_at, files::VARCHAR AS files,
         summary::VARCHAR AS summary, mapping_profile, error FROM batches WHERE batch_id = $1`, [req.params.id]);
    if (!b) throw notFound(`批次 batch ${req.params.id}`);
    return { ...b, files: b.files ? JSON.parse(b.files as string) : null, summary: b.summary ? JSON.parse(b.summary as string) : null };
  });

  app.get<{ Params: { id: string }; Querystring: { table?: string; reason_code?: string; severity?: string; unmasked?: boolean; limit: number; offset: number } }>('/api/v1/batches/:id/rejects', {
    config: { action: 'batches.read' },
    schema: {
      tags: ['batches'], summary: '拒收记录 rejected and warned rows of a batch (names and ID numbers in `raw` masked; `unmasked=true` for supervisors and admins, audited)', params: idParams(),
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { table: { type: 'string', pattern: '^[a-z_]{1,40}$' }, reason_code: { type: 'string', pattern: '^[a-z_]{1,40}$' }, severity: { type: 'string', enum: ['error', 'warning'] }, unmasked: { type: 'boolean', default: false }, limit: S.limit, offset: S.offset },
      },
    },
  }, async (req) => {
    const unmasked = Boolean(req.query.unmasked);
    if (unmasked && !mayUnmask(req.user!, 'rejects')) throw new HttpError(403, '只有主管和管理员可查看未脱敏的原始行 (only supervisors and admins may see unmasked rows)');
    const params: unknown[] = [req.params.id];
    const where = ['batch_id = $1'];
    if (req.query.table) where.push(`table_name = $${params.push(req.query.table)}`);
    if (req.query.reason_code) where.push(`reason_code = $${params.push(req.query.reason_code)}`);
    if (req.query.severity) where.push(`severity = $${params.push(req.query.severity)}`);
    const w = where.join(' AND ');
    const total = await reads.scalar<number>(`SELECT count(*)::INTEGER FROM rejects WHERE ${w}`, params as never);
    const items = await reads.all(
      `SELECT table_name, file, row_number, field, reason_code, severity, message, raw::VARCHAR AS raw, status FROM rejects WHERE ${w}
       ORDER BY table_name, row_number, field LIMIT ${req.query.limit} OFFSET ${req.query.offset}`, params as never);
    if (unmasked && items.length) {
      await auditNow(store, { actor: actorOf(req), action: 'unmasked_read', object_type: 'batch', object_id: req.params.id, detail: { view: 'rejects', rows: items.length, table: req.query.table ?? null, offset: req.query.offset } });
    }
    return {
      total,
      masked: !unmasked,
      items: items.map((r) => {
        if (unmasked || typeof r.raw !== 'string') return r;
        return { ...r, raw: JSON.stringify(maskRaw(r.table_name as string, JSON.parse(r.raw))) };
      }),
    };
  });

  // Upload: the files of one batch (multipart; an archive is unpacked), written to a new inbox directory with _SUCCESS; the next
  // nightly run (or POST /api/v1/runs) ingests it.
  app.post('/api/v1/batches', {
    config: { action: 'batches.upload' },
    schema: { tags: ['batches'], summary: '上传批次 upload a batch (multipart: its table files, or one .tar/.tar.gz of them) into the inbox', consumes: ['multipart/form-data'] },
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new HttpError(415, '须以 multipart/form-data 上传文件 (upload files as multipart/form-data)');
    const name = `upload-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const tmp = resolve(deps.inboxDir, `.${name}`);
    mkdirSync(tmp, { recursive: true });
    const files: { file: string; bytes: number }[] = [];
    try {
      for await (const part of req.files()) {
        const fname = basename(part.filename ?? '');
        const archive = ARCHIVE_FILE.test(fname) && !fname.startsWith('.');
        if (!TABLE_FILE.test(fname) && !archive) {
          part.file.resume();
          throw new HttpError(400, `文件名无效 invalid file name "${part.filename}" (.csv/.txt/.tsv/.parquet/.json/.jsonl or a .tar/.tar.gz of them, no leading _ or .)`);
        }
        const target = join(tmp, archive ? '.archive' : fname);
        await pipeline(part.file, createWriteStream(target));
        if (part.file.truncated) throw new HttpError(413, `文件过大 file too large: ${fname}`);
        if (!archive) {
          files.push({ file: fname, bytes: part.file.bytesRead });
          continue;
        }
        try {
          for (const f of await unpackBatchArchive(target, tmp, TABLE_FILE)) {
            if (files.some((x) => x.file === f)) throw new ArchiveError(`文件重名 duplicate file name: ${f}`);
            files.push({ file: f, bytes: statSync(join(tmp, f)).size });
          }
        } catch (e) {
          throw e instanceof ArchiveError ? new HttpError(400, e.message) : e;
        } finally {
          rmSync(target, { force: true });
        }
      }
      if (files.length === 0) throw new HttpError(400, '没有上传任何文件 no files in the upload');
      writeFileSync(join(tmp, '_SUCCESS'), '');
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const dir = resolve(deps.inboxDir, name);
    const { renameSync } = await import('node:fs');
    renameSync(tmp, dir);
    await auditNow(store, { actor: actorOf(req), action: 'batch_upload', object_type: 'inbox', object_id: dir, detail: { files } });
    return reply.code(202).send({ dir, files, message: '已放入收件箱，下次运行时导入 (placed in the inbox; the next run ingests it)' });
  });
}
