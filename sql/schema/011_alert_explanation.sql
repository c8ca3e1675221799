-- Alerts gain `explanation_zh` (docs/interfaces.md, additions of 2026-12): one plain Chinese sentence an inspector
-- can read to a hospital. The engine writes it whenever it stores an alert (new or refreshed), from the detector's
-- `explain` or a generic sentence (pipeline/detect/explain.ts). Alerts stored before this migration get the short
-- sentence below until a run refreshes them.
--
-- `status` gains the value 'shadow': an alert raised by a detector in shadow mode (config detectors.<id>.shadow or
-- shadow_until). Cases, money totals, the dashboard and the rankings read only status 'open', so shadow alerts stay
-- out of them; the first run after the shadow period raises them as 'open' (pipeline/detect/runDetector.ts).

ALTER TABLE alerts ADD COLUMN explanation_zh VARCHAR;

UPDATE alerts SET explanation_zh = '触发"' || title_zh || '"'
  || coalesce('，' || strftime(activity_date, '%Y-%m-%d'), '')
  || '，涉及金额 ' || printf('%.2f', amount_at_risk::DOUBLE) || ' 元';
