import type { FastifyReply, FastifyRequest } from 'fastify';

/** Hand-written Prometheus counters for the HTTP server (text exposition format 0.0.4). */
export class Metrics {
  private started = new WeakMap<FastifyRequest, bigint>();
  private requests = new Map<string, number>();
  private durationSum = new Map<string, number>();
  private durationCount = new Map<string, number>();

  start(req: FastifyRequest): void {
    this.started.set(req, process.hrtime.bigint());
  }

  finish(req: FastifyRequest, reply: FastifyReply): void {
    const t0 = this.started.get(req);
    const route = req.routeOptions.url ?? 'unmatched';
    const key = `method="${req.method}",route="${escapeLabel(route)}",status="${reply.statusCode}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (t0 !== undefined) {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const rkey = `method="${req.method}",route="${escapeLabel(route)}"`;
      this.durationSum.set(rkey, (this.durationSum.get(rkey) ?? 0) + seconds);
      this.durationCount.set(rkey, (this.durationCount.get(rkey) ?? 0) + 1);
    }
  }

  /** The HTTP counters plus the given gauges ({name, help, values: [{labels, value}]}). */
  render(gauges: { name: string; help: string; values: { labels?: Record<string, string>; value: number }[] }[]): string {
    const out: string[] = [];
    out.push('# HELP fundwatch_http_requests_total HTTP requests by route and status.', '# TYPE fundwatch_http_requests_total counter');
    for (const [k, v] of this.requests) out.push(`fundwatch_http_requests_total{${k}} ${v}`);
    out.push('# HELP fundwatch_http_request_duration_seconds HTTP request time.', '# TYPE fundwatch_http_request_duration_seconds summary');
    for (const [k, v] of this.durationSum) {
      out.push(`fundwatch_http_request_duration_seconds_sum{${k}} ${v.toFixed(6)}`);
      out.push(`fundwatch_http_request_duration_seconds_count{${k}} ${this.durationCount.get(k) ?? 0}`);
    }
    for (const g of gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const v of g.values) {
        const labels = v.labels ? `{${Object.entries(v.labels).map(([k, x]) => `${k}="${escapeLabel(x)}"`).join(',')}}` : '';
        out.push(`${g.name}${labels} ${v.value}`);
      }
    }
    out.push('process_resident_memory_bytes ' + process.memoryUsage().rss);
    return out.join('\n') + '\n';
  }
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
