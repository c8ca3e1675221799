import * as S from './shapes.ts';

/**
 * Shapes of docs/interfaces.md "Additions of 2026-12" (explanation_zh, backtest) and the shadow-mode extension of
 * `fundwatch detectors`, checked like those of shapes.ts (extra fields allowed).
 */

type Check = Parameters<typeof S.check>[0];

const both = (...checks: Check[]): Check => (v, p, o) => checks.forEach((c) => c(v, p, o));

/** `N.NN 元` of the amount somewhere in the sentence. */
const statesAmount: Check = (v, p, o) => {
  const a = v as { explanation_zh?: unknown; amount_at_risk?: unknown };
  if (typeof a.explanation_zh === 'string' && typeof a.amount_at_risk === 'number' && !a.explanation_zh.includes(`${a.amount_at_risk.toFixed(2)} 元`)) {
    o.push(`${p}.explanation_zh: does not state the amount ${a.amount_at_risk.toFixed(2)} 元`);
  }
};

/** An interfaces.md alert with its explanation_zh (a non-empty sentence that states the amount). */
export const alert = both(S.alert, S.shape({ explanation_zh: S.str }), statesAmount);

const decided = S.shape({ confirmed: S.int, false_alarm: S.int });
const precision = S.nullable(S.num);

export const backtestResult = S.shape({
  detector_id: S.str, params_current: S.obj, params_trial: S.obj, alerts_current: S.int, alerts_trial: S.int,
  added: S.int, removed: S.int, unchanged: S.int, decided_current: decided, precision_current: precision,
  removed_confirmed: S.int, added_examples: S.arrayOf(alert),
  // extensions
  window_from: S.date, window_to: S.date, removed_false_alarm: S.int, decided_trial: decided, precision_trial: precision,
  amount_current: S.money, amount_trial: S.money, removed_examples: S.arrayOf(alert),
});

const shadowPrecision = S.shape({ alerts: S.int, amount_at_risk: S.money, confirmed: S.int, false_alarm: S.int, precision });

/** `fundwatch detectors --json` with shadow mode (shadow_precision null when no database was read). */
export const detector = both(S.detector, S.shape({ shadow: S.bool, shadow_until: S.nullable(S.date), shadow_precision: S.nullable(shadowPrecision) }));
