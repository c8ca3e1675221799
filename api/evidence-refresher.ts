import type { Store } from '../pipeline/store/store.ts';
import { refreshCaseEvidence } from '../pipeline/nightly/case-evidence.ts';

/**
 * Background refresh of `case_evidence` in the owner process: asked for at start and whenever a case detail
 * had to compute its evidence live (alerts changed by a forwarded CLI run, a new batch). One refresh at a time;
 * asks during a refresh make one more afterwards.
 */
export class EvidenceRefresher {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly store: Store, private readonly log: (msg: string) => void) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const r = await refreshCaseEvidence(this.store);
        if (r.cases > 0) this.log(`案件证据已更新 case evidence refreshed: ${r.cases} cases, ${r.lines} lines, ${r.ms} ms`);
      } while (this.again);
    })()
      .catch((err: Error) => this.log(`案件证据更新失败 case evidence refresh failed: ${err.message}`))
      .finally(() => { this.running = null; });
  }

  /** Waits for a refresh in progress (no new one starts after `close`). */
  async close(): Promise<void> {
    this.kick = () => undefined;
    await this.running;
  }
}
