'use strict';
// Detector pages: the list (GET /api/v1/detectors) and one detector (GET /api/v1/detectors/{id}) with its shadow
// precision and, for supervisors and admins, a backtest (POST /api/v1/detectors/{id}/backtest). Uses app.js's helpers.
const pct = (x) => (x == null ? '—' : `${(x * 100).toFixed(1)}%`);

async function renderDetectors() {
  const r = await api('/api/v1/detectors');
  main().innerHTML = `<div class="card"><h2>${esc(t('nav_detectors'))} (${r.items.length})</h2><table id="detectors">
    <tr><th>${esc(t('detector'))}</th><th>${esc(t('family'))}</th><th>GZ</th><th></th><th>${esc(t('params'))}</th></tr>
    ${r.items.map((d) => `<tr class="clickable" data-det="${esc(d.detector_id)}"><td>${esc(d.title_zh)}<div class="muted">${esc(d.detector_id)} v${esc(d.version)}</div></td>
      <td>${esc(familyText(d.family))}</td><td>${esc(d.gz_code || '')}</td><td><span class="badge ${esc(d.result_type)}">${esc(d.result_type)}</span></td>
      <td class="muted">${esc(Object.entries(d.params).map(([k, p]) => `${k}=${p.value}`).join(', '))}</td></tr>`).join('')}</table></div>`;
  document.querySelectorAll('tr[data-det]').forEach((tr) => { tr.onclick = () => { location.hash = `#/detectors/${encodeURIComponent(tr.dataset.det)}`; }; });
}

async function renderDetector(id) {
  const r = await api(`/api/v1/detectors/${encodeURIComponent(id)}`);
  const d = r.detector;
  const s = d.shadow_precision || { alerts: 0, amount_at_risk: 0, confirmed: 0, false_alarm: 0, precision: null };
  const p = r.precision;
  const kpi = (v, l) => `<div class="kpi"><div class="v">${v}</div><div class="l">${esc(l)}</div></div>`;
  const statuses = ['open', 'suppressed', 'withdrawn', 'shadow'];
  main().innerHTML = `<div class="card"><h2>${esc(d.title_zh)} <span class="muted">${esc(d.detector_id)} v${esc(d.version)}</span>
      ${d.shadow ? `<span class="badge shadow" id="shadow-badge">${esc(t('shadow'))}${d.shadow_until ? ' ≤ ' + esc(d.shadow_until) : ''}</span>` : ''}</h2>
      <p class="muted">${esc(familyText(d.family))} · ${esc(d.gz_code || '')} · ${esc(d.legal_basis)}</p>
      <div class="kpis">${statuses.map((st) => kpi(esc((r.alerts_by_status[st] || { alerts: 0 }).alerts), `${t('alerts')} · ${st}`)).join('')}
        ${kpi(p ? pct(p.precision) : '—', t('precision_short'))}</div></div>
    ${d.shadow || s.alerts > 0 ? `<div class="card" id="shadow-card"><h2>${esc(t('shadow'))} · ${esc(t('shadow_precision'))} <b id="shadow-precision">${pct(s.precision)}</b></h2>
      <p class="muted">${esc(t('shadow_hint'))}</p>
      <p>${esc(t('shadow_alerts'))} ${esc(s.alerts)} · ${money(s.amount_at_risk)} 元 · ${esc(t('confirmed'))} ${esc(s.confirmed)} · ${esc(t('false_alarm'))} ${esc(s.false_alarm)}</p>
      ${r.shadow_alerts.length ? alertTable(r.shadow_alerts, (a) => a.coincides_with) : ''}</div>` : ''}
    ${r.can_backtest ? backtestForm(d) : ''}
    <div id="bt-result"></div>`;
  const f = $('#bt-form');
  if (f) f.onsubmit = (ev) => { ev.preventDefault(); runBacktest(d, f); };
}

/** Alerts with their explanation; `tag` gives the decision badge of a row (or null). */
function alertTable(alerts, tag) {
  return `<table class="bt-alerts"><tr><th>${esc(t('explanation'))}</th><th class="num">${esc(t('amount'))}</th><th></th></tr>
    ${alerts.map((a) => `<tr><td>${esc(a.explanation_zh)}<div class="muted">${esc(a.alert_id.slice(0, 12))} · ${esc(a.psn_no || a.fixmedins_code || '')} ${esc(a.mdtrt_id || '')}</div></td>
      <td class="num">${money(a.amount_at_risk)}</td><td>${tag(a) ? `<span class="badge ${esc(tag(a))}">${esc(t(tag(a)))}</span>` : ''}</td></tr>`).join('')}</table>`;
}

function backtestForm(d) {
  const input = (name, p) => {
    const type = typeof p.default;
    const field = type === 'boolean' ? `<input type="checkbox" name="${esc(name)}" ${p.value ? 'checked' : ''}>`
      : `<input name="${esc(name)}" ${type === 'number' ? 'type="number" step="any"' : ''} value="${esc(p.value)}">`;
    return `<label>${esc(name)} <span class="muted">${esc(p.unit)} · ${esc(p.description_zh)}</span>${field}</label>`;
  };
  return `<div class="card"><h2>${esc(t('backtest'))}</h2><p class="muted">${esc(t('backtest_hint'))}</p>
    <form id="bt-form" class="stack">${Object.entries(d.params).map(([n, p]) => input(n, p)).join('')}
      <label>${esc(t('window_from'))}<input name="__from" type="date"></label><label>${esc(t('window_to'))}<input name="__to" type="date"></label>
      <p><button class="primary" type="submit">${esc(t('run_backtest'))}</button></p><div id="bt-msg"></div></form></div>`;
}

async function runBacktest(d, f) {
  const params = {};
  for (const [name, p] of Object.entries(d.params)) {
    const el = f.elements[name];
    const v = typeof p.default === 'boolean' ? el.checked : typeof p.default === 'number' ? Number(el.value) : el.value;
    if (v !== p.value) params[name] = v;
  }
  const body = { params };
  if (f.elements.__from.value) body.from = f.elements.__from.value;
  if (f.elements.__to.value) body.to = f.elements.__to.value;
  $('#bt-msg').innerHTML = `<span class="muted">${esc(t('running'))}</span>`;
  try {
    const r = await post(`/api/v1/detectors/${encodeURIComponent(d.detector_id)}/backtest`, body);
    $('#bt-msg').innerHTML = '';
    $('#bt-result').innerHTML = backtestResult(r);
  } catch (e) { $('#bt-msg').innerHTML = `<div class="msg err">${esc(e.message)}</div>`; }
}

function backtestResult(r) {
  const row = (label, cur, trial) => `<tr><td>${esc(label)}</td><td class="num">${cur}</td><td class="num">${trial}</td></tr>`;
  const changed = Object.keys(r.params_trial).filter((k) => r.params_trial[k] !== r.params_current[k]);
  return `<div class="card" id="bt-summary"><h2>${esc(t('backtest'))} · ${esc(r.window_from)} ~ ${esc(r.window_to)}</h2>
      <p>${changed.map((k) => `${esc(k)}: ${esc(r.params_current[k])} → <b>${esc(r.params_trial[k])}</b>`).join(' · ') || esc(t('same_params'))}</p>
      ${r.removed_confirmed > 0 ? `<div class="msg err" id="bt-warn">${esc(t('removed_confirmed_warn'))}: ${esc(r.removed_confirmed)}</div>` : ''}
      <table><tr><th></th><th class="num">${esc(t('current'))}</th><th class="num">${esc(t('trial'))}</th></tr>
        ${row(t('alerts'), r.alerts_current, r.alerts_trial)}${row(t('amount'), money(r.amount_current), money(r.amount_trial))}
        ${row(t('confirmed'), r.decided_current.confirmed, r.decided_trial.confirmed)}${row(t('false_alarm'), r.decided_current.false_alarm, r.decided_trial.false_alarm)}
        ${row(t('precision_short'), pct(r.precision_current), pct(r.precision_trial))}</table>
      <p>${esc(t('added'))} <b id="bt-added">${esc(r.added)}</b> · ${esc(t('removed'))} <b id="bt-removed">${esc(r.removed)}</b>
        (${esc(t('confirmed'))} ${esc(r.removed_confirmed)}, ${esc(t('false_alarm'))} ${esc(r.removed_false_alarm)}) · ${esc(t('unchanged'))} ${esc(r.unchanged)}</p></div>
    <div class="grid"><div class="card"><h2>${esc(t('added'))} (${esc(r.added)})</h2>${alertTable(r.added_examples, () => null)}</div>
      <div class="card"><h2>${esc(t('removed'))} (${esc(r.removed)})</h2>${alertTable(r.removed_examples, (a) => a.decision)}</div></div>`;
}
