import { ClaimFixtures } from '../../fixtures/claims.ts';
import type { Store } from '../../../pipeline/store/store.ts';

type Fields = Record<string, string | number | null>;

/**
 * Claim builder for the knowledge-point tests: one call = one visit with its settlement and fee lines.
 * Fee lines get feedetl_sn `<visit>-<n>` unless given, and the visit's begin time unless fee_ocur_time is given.
 */
export class BillingClaims {
  readonly c: ClaimFixtures;
  constructor(store: Store) {
    this.c = new ClaimFixtures(store);
  }

  person(psn_no: string, f: Fields = {}): this {
    this.c.person({ psn_no, certno: null, ...f });
    return this;
  }

  provider(code: string, hosp_lv = '01', f: Fields = {}): this {
    this.c.provider({ fixmedins_code: code, hosp_lv, ...f });
    return this;
  }

  visit(mdtrt_id: string, psn_no: string, fixmedins_code: string, med_type: string, begntime: string, fees: Fields[], v: Fields = {}): this {
    this.c.visit({ mdtrt_id, psn_no, fixmedins_code, med_type, begntime, ...v });
    this.c.settlement({ setl_id: `S-${mdtrt_id}`, mdtrt_id });
    fees.forEach((f, i) => this.c.fee({ feedetl_sn: `${mdtrt_id}-${i + 1}`, mdtrt_id, setl_id: `S-${mdtrt_id}`, ...f }));
    return this;
  }

  flush(): Promise<void> {
    return this.c.flush();
  }
}

/** `n` consecutive days from `start` (YYYY-MM-DD), as 'YYYY-MM-DD HH:MM:SS' at `time`. */
export function days(start: string, n: number, step = 1, time = '10:00:00'): string[] {
  const out: string[] = [];
  const t0 = Date.parse(`${start}T00:00:00Z`);
  for (let i = 0; i < n; i++) out.push(`${new Date(t0 + i * step * 86_400_000).toISOString().slice(0, 10)} ${time}`);
  return out;
}
